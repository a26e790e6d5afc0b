// The UI's reactive state: language, session, current route, and the API
// client bound to them. One instance per page, created by main.ts.

import { untrack } from 'svelte';
import { ApiError, createClient, type Client } from './api';
import { has, parseLang, translate, type Key, type Lang, type Params } from './i18n';
import { home, href, parse, type Route } from './router';
import type { Health, Procedure, Session, User } from './types';

const LANG_KEY = 'xaso.lang';
const SESSION_KEY = 'xaso.session';

function loadSession(store: Storage): Session | null {
  try {
    const s = JSON.parse(store.getItem(SESSION_KEY) ?? 'null');
    return s && typeof s.token === 'string' && s.user ? (s as Session) : null;
  } catch {
    return null;
  }
}

export class AppState {
  lang = $state<Lang>('vi');
  session = $state<Session | null>(null);
  /** the session ended by itself (expired, revoked): the screen stays, under the sign-in form */
  expired = $state(false);
  route = $state<Route>({ name: 'desk' });
  /** the procedure catalog, loaded once per sign-in */
  procedures = $state<Procedure[] | null>(null);
  /** desk: the node's last /health, kept by the status bar (screens ask whether other PCs exist) */
  health = $state<Health | null>(null);
  /** the officials a dossier can be forwarded to, loaded once per sign-in */
  officials = $state<User[] | null>(null);
  private officialsLoading: Promise<User[]> | null = null;
  readonly api: Client;
  private store: Storage;

  constructor(win: Window) {
    this.store = win.sessionStorage;
    // Vietnamese unless this PC's user chose English; the browser's own
    // language says little on a shared office PC.
    this.lang = parseLang(win.localStorage.getItem(LANG_KEY));
    this.session = loadSession(this.store);
    // The client reads the token and the language without tracking them:
    // an $effect that calls the API must not come to depend on the session
    // or the language through it (a language switch would re-fetch every
    // screen and restart its polls). A screen that should reload after a new
    // sign-in says so itself.
    this.api = createClient({
      token: () => untrack(() => this.session?.token ?? ''),
      lang: () => untrack(() => this.lang),
      onUnauthorized: () => this.expire(),
    });
    win.document.documentElement.lang = this.lang;
    const sync = () => {
      const r = parse(win.location.hash);
      if (r) this.route = r;
      else win.location.replace(href(this.session ? home(this.session.user.roles) : { name: 'desk' }));
    };
    win.addEventListener('hashchange', sync);
    sync();
  }

  /** t translates a key (or a dynamic one such as 'status.' + name) in the current language. */
  t = (key: Key | string, params?: Params): string => translate(this.lang, key, params);

  setLang(l: Lang) {
    this.lang = l;
    localStorage.setItem(LANG_KEY, l);
    document.documentElement.lang = l;
  }

  signedIn(s: Session) {
    const resumed = this.expired;
    this.session = s;
    this.expired = false;
    this.store.setItem(SESSION_KEY, JSON.stringify(s));
    // After an expired session the official carries on where they were.
    if (!resumed) this.go(home(s.user.roles));
  }

  /** renewed keeps the official signed in under a new token (after changing their password). */
  renewed(token: string) {
    if (!this.session) return;
    this.session = { ...this.session, token };
    this.store.setItem(SESSION_KEY, JSON.stringify(this.session));
  }

  signedOut() {
    this.session = null;
    this.expired = false;
    this.procedures = null;
    this.officials = null;
    this.officialsLoading = null;
    this.store.removeItem(SESSION_KEY);
  }

  /** expire ends a session the server no longer accepts, keeping what is on screen. */
  expire() {
    if (!this.session) return;
    this.expired = true;
    this.session = null;
    this.store.removeItem(SESSION_KEY);
  }

  async signOut() {
    try {
      await this.api.signOut();
    } catch {
      // The token dies with the session anyway; signing out must never fail.
    }
    this.signedOut();
  }

  hasRole(r: string): boolean {
    return this.session?.user.roles.includes(r) ?? false;
  }

  go(r: Route) {
    const h = href(r);
    if (location.hash !== h) location.hash = h;
    else this.route = r;
  }

  /**
   * errorText is what to show for a failed call: the server's (or the
   * window's) own words when it gave some, else ours for the failures the
   * client names itself (no connection, timeout, a file that did not open).
   */
  errorText(e: unknown): string {
    if (e instanceof ApiError) {
      return !e.fromServer && has('err.' + e.code) ? this.t('err.' + e.code) : e.message;
    }
    return String(e);
  }

  /**
   * procedureName is a procedure's name in the UI language: the catalog's
   * name_en in English where it carries one (loaded with the catalog), else
   * the Vietnamese name the dossier was received under.
   */
  procedureName(code: string | undefined, vi: string | undefined): string {
    if (this.lang === 'en' && code) {
      const p = this.procedures?.find((x) => x.code === code);
      if (p?.name_en) return p.name_en;
    }
    return vi ?? code ?? '';
  }

  /** docName is a paper's name in the UI language (desk day): the catalog's name_en in English. */
  docName(d: { name: string; name_en?: string }): string {
    return this.lang === 'en' && d.name_en ? d.name_en : d.name;
  }

  /** feeNote is a procedure's fee note in the UI language (desk day). */
  feeNote(p: { fee_note?: string; fee_note_en?: string }): string {
    return (this.lang === 'en' && p.fee_note_en) || p.fee_note || '';
  }

  async loadProcedures(): Promise<Procedure[]> {
    if (!this.procedures) this.procedures = (await this.api.procedures()).items ?? [];
    return this.procedures;
  }

  /**
   * loadOfficials gives the officials a dossier can be forwarded to: asked
   * once per sign-in, by the first dossier that can be forwarded, and shared
   * by every dossier opened after it. A failed ask is asked again next time.
   */
  loadOfficials(): Promise<User[]> {
    if (this.officials) return Promise.resolve(this.officials);
    this.officialsLoading ??= this.api.officials().then(
      (p) => (this.officials = p.items ?? []),
      (e) => {
        this.officialsLoading = null;
        throw e;
      },
    );
    return this.officialsLoading;
  }
}
