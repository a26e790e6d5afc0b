// The dashboard's reactive state: language, session and which commune is
// open. The token lives in sessionStorage (a tab's life), the language in
// localStorage under the desk's key.

import { untrack } from 'svelte';
import { ApiError } from '../lib/api';
import { has, parseLang, translate, type Key, type Lang, type Params } from '../lib/i18n';
import { createHubClient, type HubClient, type HubSession } from './api';

const LANG_KEY = 'xaso.lang';
const TOKEN_KEY = 'xaso.hub.token';
const USER_KEY = 'xaso.hub.user';

export class HubState {
  lang = $state<Lang>('vi');
  token = $state('');
  username = $state('');
  /** the code of the commune shown in detail ('' : the table), from the URL hash */
  commune = $state('');
  expired = $state(false);
  readonly api: HubClient;
  private readonly win: Window;

  constructor(win: Window) {
    this.win = win;
    this.lang = parseLang(win.localStorage.getItem(LANG_KEY));
    this.token = win.sessionStorage.getItem(TOKEN_KEY) ?? '';
    this.username = win.sessionStorage.getItem(USER_KEY) ?? '';
    this.commune = communeOf(win.location.hash);
    win.document.documentElement.lang = this.lang;
    win.addEventListener('hashchange', () => (this.commune = communeOf(win.location.hash)));
    this.api = createHubClient({
      token: () => untrack(() => this.token),
      lang: () => untrack(() => this.lang),
      onUnauthorized: () => this.signOut(true),
    });
  }

  t = (key: Key | string, params?: Params): string => translate(this.lang, key, params);

  toggleLang() {
    this.lang = this.lang === 'vi' ? 'en' : 'vi';
    this.win.localStorage.setItem(LANG_KEY, this.lang);
    this.win.document.documentElement.lang = this.lang;
  }

  signedIn(s: HubSession) {
    this.token = s.token;
    this.username = s.user?.username ?? '';
    this.expired = false;
    this.win.sessionStorage.setItem(TOKEN_KEY, this.token);
    this.win.sessionStorage.setItem(USER_KEY, this.username);
  }

  signOut(expired = false) {
    this.token = '';
    this.expired = expired;
    this.win.sessionStorage.removeItem(TOKEN_KEY);
    this.win.sessionStorage.removeItem(USER_KEY);
  }

  open(code: string) {
    this.win.location.hash = code ? '#/communes/' + encodeURIComponent(code) : '#/';
  }

  errorText(e: unknown): string {
    if (e instanceof ApiError) return !e.fromServer && has('err.' + e.code) ? this.t('err.' + e.code) : e.message;
    return String(e);
  }
}

/** communeOf reads "#/communes/<code>" ('' for anything else). */
export function communeOf(hash: string): string {
  const m = /^#\/communes\/([^/?#]+)$/.exec(hash);
  if (!m) return '';
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return '';
  }
}
