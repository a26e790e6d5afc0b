// One fetch-based client for the JSON API. The same code runs in the Wails
// window (whose AssetServer hands /api/ to the server's handler) and in any
// browser pointed at `xaso serve`.

import type {
  ActionRequest,
  Attachment,
  ClusterStatus,
  Dossier,
  Health,
  IdCard,
  JoinCode,
  NewDossier,
  NewUser,
  Page,
  Procedure,
  ProgressReport,
  Satisfaction,
  Session,
  Stats,
  StatusInfo,
  User,
  UserPatch,
  AuditPage,
  RegisterInfo,
  RegisterEntry,
  ExtractIssue,
  BookDigitising,
  BookPage,
  BookProgress,
  DigitiseCounts,
  DraftEntry,
  OldBook,
  Transcription,
} from './types';
import { dossierRef, type DossierKey } from './dossier';

/** ApiError carries the server's stable code, its (localised) message and the field it blames. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string;

  /** the message is the server's own words (from its {error}), not one the client made up. */
  readonly fromServer: boolean;

  /** desk: every invalid field of the request (DESIGN §8.1 error.fields); [] when the server named one or none. */
  fields: FieldError[] = [];

  constructor(status: number, code: string, message: string, field = '', fromServer = false) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.fromServer = fromServer;
  }
}

/** desk: one invalid field of a request. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

/**
 * failure turns the body of a failed answer into an ApiError: the server's
 * {error:{code,message,field}} when the body is one, else fallback
 * (http_<status> unless the caller knows better) with the start of the body.
 */
export function failure(res: { status: number; statusText: string }, text: string, fallback = 'http_' + res.status): ApiError {
  let err: { code?: unknown; message?: unknown; field?: unknown; fields?: unknown } | undefined;
  try {
    err = (JSON.parse(text) as { error?: typeof err } | null)?.error;
  } catch {
    err = undefined;
  }
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.code !== '') {
    const message = typeof err.message === 'string' && err.message !== '' ? err.message : err.code;
    const e = new ApiError(res.status, err.code, message, typeof err.field === 'string' ? err.field : '', true);
    if (Array.isArray(err.fields)) {
      e.fields = err.fields.filter(
        (f): f is FieldError => !!f && typeof f.field === 'string' && typeof f.message === 'string',
      );
    }
    return e;
  }
  return new ApiError(res.status, fallback, text.slice(0, 200) || res.statusText || fallback);
}

/** Codes the client itself produces (the server never sends them). */
export const NETWORK_ERROR = 'network_error';
export const TIMEOUT = 'timeout';
export const BAD_RESPONSE = 'bad_response';

export interface ClientOptions {
  /** prefix before /api/v1; '' for same origin. */
  base?: string;
  fetch?: typeof fetch;
  /** current bearer token, or '' when signed out. */
  token?: () => string;
  /** language for server messages, sent as Accept-Language. */
  lang?: () => string;
  /** called when a request that carried a token gets 401. */
  onUnauthorized?: () => void;
  timeoutMs?: number;
  /** how long an upload (a scanned file of up to 10 MiB) may take; 2 minutes by default. */
  uploadTimeoutMs?: number;
}

export type Query = Record<string, string | number | undefined | null>;

/** queryString drops empty values and encodes the rest in a stable order. */
export function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const k of Object.keys(q).sort()) {
    const v = q[k];
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s === '' ? '' : '?' + s;
}

/**
 * newKey returns a random idempotency key. crypto.randomUUID exists only in
 * secure contexts, and a browser on another office PC reaches `xaso serve`
 * over plain http, so build it from getRandomValues.
 */
export function newKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * normDossier fills the documented flat fields from the domain's nested ones
 * when a server sends only the latter, so screens read one shape.
 */
export function normDossier(d: Dossier): Dossier {
  if (!d || typeof d !== 'object') return d;
  if (!d.procedure_code && d.procedure?.code) d.procedure_code = d.procedure.code;
  if (!d.procedure_name && d.procedure?.name) d.procedure_name = d.procedure.name;
  if (!d.assignee && d.holder) d.assignee = d.holder;
  if (!d.applicant) d.applicant = { full_name: '', id_number: '', date_of_birth: '', phone: '', address: '' };
  return d;
}

function normPage(p: Page<Dossier>): Page<Dossier> {
  p.items = (p.items ?? []).map(normDossier);
  return p;
}

/**
 * normStats accepts both names of the timing counts and turns the rate into
 * null when nothing has been processed (the core reports 1 then).
 */
export function normStats(s: Stats): Stats {
  const r = s.returned ?? s.processed ?? { early: 0, on_time: 0, late: 0 };
  const returned = { early: r.early ?? 0, on_time: r.on_time ?? 0, late: r.late ?? 0 };
  const done = returned.early + returned.on_time + returned.late;
  return { ...s, by_status: s.by_status ?? {}, returned, on_time_rate: done === 0 ? null : s.on_time_rate };
}

export type Client = ReturnType<typeof createClient>;

export function createClient(opts: ClientOptions = {}) {
  const base = (opts.base ?? '') + '/api/v1';
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 15000;
  const uploadTimeoutMs = opts.uploadTimeoutMs ?? 120000;

  /**
   * call is the one path every request takes: it adds the token and the
   * language, gives the whole exchange (answer and body) timeout ms, turns a
   * refused connection or the timeout into an ApiError, and a failed answer
   * into the server's error (ending the session on a 401 to a signed-in
   * call). read turns a successful answer into the result; it runs under
   * the same timeout, so a server that stalls mid-body cannot hang a screen.
   */
  async function call<T>(
    method: string,
    url: string,
    body: string | Uint8Array<ArrayBuffer> | undefined,
    headers: Record<string, string>,
    timeout: number,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const h: Record<string, string> = { ...headers };
    const token = opts.token?.() ?? '';
    if (token) h.Authorization = 'Bearer ' + token;
    const lang = opts.lang?.();
    if (lang) h['Accept-Language'] = lang;

    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), timeout);
    const lost = (e: unknown) =>
      ctl.signal.aborted ? new ApiError(0, TIMEOUT, 'timeout') : new ApiError(0, NETWORK_ERROR, String(e));
    try {
      let res: Response;
      try {
        res = await doFetch(url, { method, headers: h, body, signal: ctl.signal, cache: 'no-store' });
      } catch (e) {
        throw lost(e);
      }
      if (!res.ok) {
        if (res.status === 401 && token) opts.onUnauthorized?.();
        let text: string;
        try {
          text = await res.text();
        } catch (e) {
          throw lost(e);
        }
        throw failure(res, text);
      }
      try {
        return await read(res);
      } catch (e) {
        throw e instanceof ApiError ? e : lost(e);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** readJSON decodes a successful answer; 204 is undefined, anything else must be JSON. */
  async function readJSON<T>(res: Response): Promise<{ status: number; data: T }> {
    if (res.status === 204) return { status: 204, data: undefined as T };
    const text = await res.text();
    try {
      return { status: res.status, data: JSON.parse(text) as T };
    } catch {
      throw new ApiError(res.status, BAD_RESPONSE, 'bad response');
    }
  }

  /** request sends body (if any) as JSON and returns the decoded answer. */
  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (body === undefined) return (await call(method, base + path, undefined, h, timeoutMs, readJSON<T>)).data;
    h['Content-Type'] = 'application/json';
    return (await call(method, base + path, JSON.stringify(body), h, timeoutMs, readJSON<T>)).data;
  }

  const enc = encodeURIComponent;
  /**
   * at is the path of one dossier. Calls about a dossier on screen take the
   * dossier itself, never its code, so none can forget that a clashing code
   * names it by its ID (dossierRef).
   */
  const at = (d: string | DossierKey) => '/dossiers/' + enc(typeof d === 'string' ? d : dossierRef(d));
  return {
    health: () => request<Health>('GET', '/health'),
    signIn: (username: string, password: string) => request<Session>('POST', '/sessions', { username, password }),
    signOut: () => request<void>('DELETE', '/sessions/current'),
    me: () => request<User>('GET', '/me'),
    users: () => request<Page<User>>('GET', '/users'),
    /** officials who can take a dossier over (specialists, leaders): any official may ask. */
    officials: () => request<Page<User>>('GET', '/officials'),
    createUser: (u: NewUser) => request<User>('POST', '/users', u),
    // Accounts and the audit log.
    /** updateUser changes a user's roles, name or disabled state (admin). */
    updateUser: (username: string, patch: UserPatch) => request<User>('PATCH', '/users/' + enc(username), patch),
    /** resetPassword sets a user's password and ends their sessions (admin). */
    resetPassword: (username: string, password: string) =>
      request<void>('POST', '/users/' + enc(username) + '/password', { password }),
    /** changeMyPassword changes the official's own password; the answer is a new session. */
    changeMyPassword: (oldPassword: string, password: string) =>
      request<Session>('POST', '/me/password', { old_password: oldPassword, password }),
    /** audit lists sign-ins and admins' actions, newest first (admin). */
    audit: (before = '', limit = 50) => request<AuditPage>('GET', '/audit' + queryString({ before, limit: String(limit) })),
    procedures: () => request<Page<Procedure>>('GET', '/procedures'),
    statuses: () => request<Page<StatusInfo>>('GET', '/statuses'),
    stats: () => request<Stats>('GET', '/stats').then(normStats),
    /** progressReport is the progress report of the days from..to (YYYY-MM-DD, both included). */
    progressReport: (from: string, to: string) =>
      request<ProgressReport>('GET', '/reports/progress' + queryString({ from, to })),
    /** progressReportUrl is where the progress report is served as a file (download it with download). */
    progressReportUrl: (from: string, to: string, format: 'xlsx' | 'pdf') =>
      base + '/reports/progress' + queryString({ from, to, format }),
    /** registerUrl is where the tracking register (form 07) of from..to is served as a file. */
    registerUrl: (from: string, to: string, format: 'pdf' | 'xlsx') =>
      base + '/reports/register' + queryString({ from, to, format }),
    cluster: () => request<ClusterStatus>('GET', '/cluster'),
    /** removeNode takes a dead PC out of the cluster (admin). */
    removeNode: (nodeId: string) => request<{ removed: string }>('POST', '/cluster/remove', { node_id: nodeId }),
    /** recoverCluster restarts a cluster that lost its quorum for good as a one-node cluster (admin). */
    recoverCluster: () => request<ClusterStatus>('POST', '/cluster/recover'),
    /** joinCode is the office's join code, typed on a new PC (admin). */
    joinCode: () => request<JoinCode>('GET', '/cluster/join-code'),
    /** rotateJoinCode draws a new join code and re-keys the members: a removed PC is locked out (admin). */
    rotateJoinCode: () => request<JoinCode>('POST', '/cluster/join-code'),
    /** joinWithCode takes this PC into the office of a typed join code (admin). */
    joinWithCode: (code: string) => request<JoinCode>('POST', '/cluster/join', { code }),
    parseIdCard: (qr: string) => request<IdCard>('POST', '/idcard/parse', { qr }),
    /**
     * dossier fetches one dossier: by what a link or the search names it (a
     * code, or an ID), or again by the dossier itself.
     */
    dossier: (d: string | DossierKey) => request<Dossier>('GET', at(d)).then(normDossier),
    dossiers: (q: Query) => request<Page<Dossier>>('GET', '/dossiers' + queryString(q)).then(normPage),
    createDossier: (d: NewDossier, key: string) =>
      request<Dossier>('POST', '/dossiers', d, key ? { 'Idempotency-Key': key } : {}).then(normDossier),
    act: (d: DossierKey, a: ActionRequest) => request<Dossier>('POST', at(d) + '/actions', a).then(normDossier),
    /**
     * attach uploads a scanned document (JPEG, PNG or PDF) to a dossier.
     * created is false when the dossier already had the same content. The
     * body goes as the file's bytes, never as the Blob or File itself: the
     * desktop window (WebKitGTK) crashes on Blob bodies (wailsapp/wails#5845).
     */
    async attach(d: DossierKey, file: Blob, name: string): Promise<{ attachment: Attachment; created: boolean }> {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const path = at(d) + '/attachments' + queryString({ name });
      const h = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
      const r = await call('POST', base + path, bytes, h, uploadTimeoutMs, readJSON<Attachment>);
      return { attachment: r.data, created: r.status === 201 };
    },
    /** attachmentUrl is where an attached file is served (download it with download). */
    attachmentUrl: (d: DossierKey, sha: string) => base + at(d) + '/attachments/' + enc(sha),
    /** rate records the citizen's satisfaction with a returned dossier. */
    rate: (d: DossierKey, rating: Satisfaction, note = '') =>
      request<Dossier>('POST', at(d) + '/rating', { rating, note: note.trim() || undefined }).then(normDossier),
    /** formUrl is where form NN of a dossier is served (a PDF). */
    formUrl: (d: DossierKey, nn: string) => base + at(d) + '/forms/' + enc(nn) + '.pdf',
    /**
     * download fetches a protected file (a form, a report, a scan) with the
     * token. It is given the upload's time: a file may be large and a
     * report slow to build on an old PC.
     */
    download: (url: string): Promise<Blob> => call('GET', url, undefined, {}, uploadTimeoutMs, (res) => res.blob()),
    // Civil-status registers (docs/api.md "Civil-status registers").
    /** registers lists the books, newest year first. */
    registers: (kind = '', year = '') => request<Page<RegisterInfo>>('GET', '/registers' + queryString({ kind, year })),
    /** entries lists a book's entries; q matches with or without diacritics. */
    entries: (id: string, q = '') => request<Page<RegisterEntry>>('GET', '/registers/' + enc(id) + '/entries' + queryString({ q })),
    /** issueExtract records an issue of a certified extract of an entry. */
    issueExtract: (id: string, n: number, x: { copies: number; fee_vnd: number; requester: string }) =>
      request<{ issue: ExtractIssue; entry: RegisterEntry }>('POST', '/registers/' + enc(id) + '/entries/' + n + '/extracts', x),
    /** extractUrl is where the extract of issue no of an entry is served (a PDF). */
    extractUrl: (id: string, n: number, issue: number) =>
      base + '/registers/' + enc(id) + '/entries/' + n + '/extract.pdf' + queryString({ issue: String(issue) }),
    // Registers: digitising old books, search across books (docs/api.md "Digitising old books").
    /** entryPdfUrl is an entry's extract: of its latest issue, or a preview. */
    entryPdfUrl: (id: string, n: number) => base + '/registers/' + enc(id) + '/entries/' + n + '/extract.pdf',
    /** searchRegisters finds entries of every book, with or without diacritics. */
    searchRegisters: (q: string) => request<Page<RegisterEntry>>('GET', '/registers/search' + queryString({ q })),
    /** digitising is the progress of the commune's old books. */
    digitising: () => request<{ books: BookProgress[]; total: DigitiseCounts }>('GET', '/registers/digitising'),
    openOldBook: (b: { kind: string; year: number; book: string }) => request<OldBook>('POST', '/registers/old', b),
    oldBook: (id: string) => request<BookDigitising>('GET', '/registers/' + enc(id) + '/digitising'),
    /** addPage uploads the scan of page n of an old book (sent as bytes, as attach does). */
    async addPage(id: string, n: number, file: Blob): Promise<{ page: BookPage; created: boolean }> {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const h = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
      const r = await call('POST', base + '/registers/' + enc(id) + '/pages/' + n, bytes, h, uploadTimeoutMs, readJSON<BookPage>);
      return { page: r.data, created: r.status === 201 };
    },
    pageUrl: (id: string, n: number) => base + '/registers/' + enc(id) + '/pages/' + n,
    transcribe: (id: string, n: number, tr: Transcription) =>
      request<DraftEntry>('POST', '/registers/' + enc(id) + '/transcriptions/' + n, tr),
    settle: (id: string, n: number, values: Record<string, string>) =>
      request<RegisterEntry>('POST', '/registers/' + enc(id) + '/entries/' + n + '/settle', { values }),
    // desk day: the office's PCs by name.
    /** namePC gives a PC of the office (on or off) the name officials know it by (admin); "" clears it. */
    namePC: (nodeId: string, name: string) => request<{ node_id: string; name: string }>('POST', '/cluster/names', { node_id: nodeId, name }),
  };
}
