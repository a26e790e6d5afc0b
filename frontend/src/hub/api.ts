// The provincial dashboard's client for the hub's JSON API (docs/province.md):
// sign in, the communes, one commune's dossiers, enrolment tokens. Errors
// are the desk's ApiError with the hub's {error:{code,message,field}}.

import { ApiError, failure, NETWORK_ERROR, queryString, TIMEOUT } from '../lib/api';
import { normalise, type CommuneItem, type HubDossier } from './model';

export interface HubSession {
  token: string;
  user: { username: string; roles?: string[] };
}

export interface DossierPage {
  items: HubDossier[];
  next: string;
}

export interface HubClientOptions {
  /** prefix before /api/v1; '' for same origin. */
  base?: string;
  fetch?: typeof fetch;
  token?: () => string;
  lang?: () => string;
  /** a signed-in request answered 401: the session is over. */
  onUnauthorized?: () => void;
  timeoutMs?: number;
}

export type HubClient = ReturnType<typeof createHubClient>;

export function createHubClient(opts: HubClientOptions = {}) {
  const base = (opts.base ?? '') + '/api/v1';
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 15000;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const h: Record<string, string> = {};
    const token = opts.token?.() ?? '';
    if (token) h.Authorization = 'Bearer ' + token;
    const lang = opts.lang?.();
    if (lang) h['Accept-Language'] = lang;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeoutMs);
    const lost = (e: unknown) =>
      ctl.signal.aborted ? new ApiError(0, TIMEOUT, 'timeout') : new ApiError(0, NETWORK_ERROR, String(e));
    try {
      let res: Response;
      try {
        res = await doFetch(base + path, {
          method, headers: h, signal: ctl.signal, cache: 'no-store',
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw lost(e);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (e) {
        throw lost(e);
      }
      if (!res.ok) {
        if (res.status === 401 && token) opts.onUnauthorized?.();
        throw failure(res, text);
      }
      try {
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch {
        throw new ApiError(res.status, 'bad_response', text.slice(0, 200));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  const seg = (s: string) => encodeURIComponent(s);

  return {
    signIn(username: string, password: string): Promise<HubSession> {
      return request<HubSession>('POST', '/sessions', { username, password });
    },
    async communes(): Promise<CommuneItem[]> {
      const r = await request<{ items?: unknown[] }>('GET', '/communes');
      return (r?.items ?? []).map(normalise);
    },
    async commune(code: string): Promise<CommuneItem> {
      return normalise(await request<unknown>('GET', '/communes/' + seg(code)));
    },
    async dossiers(code: string, q: { status?: string; limit?: number; after?: string } = {}): Promise<DossierPage> {
      const r = await request<{ items?: HubDossier[]; next?: string }>(
        'GET', '/communes/' + seg(code) + '/dossiers' + queryString(q));
      return { items: r?.items ?? [], next: r?.next ?? '' };
    },
    async enrol(code: string): Promise<string> {
      const r = await request<{ token?: string }>('POST', '/communes/' + seg(code) + '/enrolments', {});
      if (!r || typeof r.token !== 'string' || r.token === '') throw new ApiError(201, 'bad_response', 'no token');
      return r.token;
    },
  };
}
