// The API client against a real HTTP server on loopback (node:http), so
// headers, bodies, status codes and connection failures are real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, NETWORK_ERROR, newKey, queryString, ref, TIMEOUT } from './api';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Reply = (req: Seen, res: ServerResponse) => void;

let server: Server;
let base = '';
let seen: Seen[] = [];
let reply: Reply = (_, res) => res.end();

function json(res: ServerResponse, status: number, v: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(v));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
});

describe('api client', () => {
  it('signs in without a token and posts JSON', async () => {
    reply = (_, res) => json(res, 201, { token: 'tok', user: { username: 'an', roles: ['receiver'] } });
    const c = createClient({ base });
    const s = await c.signIn('an', 'secret');
    expect(s.token).toBe('tok');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/api/v1/sessions');
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual({ username: 'an', password: 'secret' });
  });

  it('sends the bearer token and the language', async () => {
    reply = (_, res) => json(res, 200, { username: 'an', roles: [] });
    const c = createClient({ base, token: () => 'tok', lang: () => 'en' });
    await c.me();
    expect(seen[0].headers.authorization).toBe('Bearer tok');
    expect(seen[0].headers['accept-language']).toBe('en');
  });

  it('turns an API error into ApiError with code, message and field', async () => {
    reply = (_, res) =>
      json(res, 400, { error: { code: 'invalid', message: 'Số định danh cá nhân phải gồm đúng 12 chữ số.', field: 'applicant.id_number' } });
    const c = createClient({ base, token: () => 'tok' });
    const err = await c
      .createDossier({ procedure_code: 'x', applicant: { full_name: 'A', id_number: '1', date_of_birth: '', phone: '', address: '' }, documents: [] }, 'k1')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid');
    expect(err.field).toBe('applicant.id_number');
    expect(err.message).toBe('Số định danh cá nhân phải gồm đúng 12 chữ số.');
    expect(seen[0].headers['idempotency-key']).toBe('k1');
  });

  it('reports a non-JSON error with its status', async () => {
    reply = (_, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    };
    const err = await createClient({ base }).health().catch((e) => e);
    expect(err.code).toBe('http_502');
    expect(err.status).toBe(502);
  });

  it('calls onUnauthorized on 401 only when a token was sent', async () => {
    reply = (_, res) => json(res, 401, { error: { code: 'unauthorized', message: 'Phiên đăng nhập đã hết hạn.' } });
    let calls = 0;
    const onUnauthorized = () => calls++;
    await createClient({ base, token: () => 'old', onUnauthorized }).me().catch(() => {});
    expect(calls).toBe(1);
    reply = (_, res) => json(res, 401, { error: { code: 'bad_credentials', message: 'Sai tên đăng nhập hoặc mật khẩu.' } });
    const err = await createClient({ base, onUnauthorized }).signIn('a', 'b').catch((e) => e);
    expect(err.code).toBe('bad_credentials');
    expect(calls).toBe(1);
  });

  it('resolves 204 as undefined', async () => {
    reply = (_, res) => {
      res.writeHead(204);
      res.end();
    };
    await expect(createClient({ base, token: () => 't' }).signOut()).resolves.toBeUndefined();
    expect(seen[0].method).toBe('DELETE');
    expect(seen[0].url).toBe('/api/v1/sessions/current');
  });

  it('builds list queries and normalises the nested procedure', async () => {
    reply = (_, res) =>
      json(res, 200, {
        items: [{ code: 'A-1', status: 'received', procedure: { code: '1.001193', name: 'Đăng ký khai sinh' }, holder: 'binh', applicant: { full_name: 'X' } }],
        next: 'c2',
      });
    const p = await createClient({ base, token: () => 't' }).dossiers({ q: 'nguyen van', queue: undefined, status: '', limit: 50 });
    expect(seen[0].url).toBe('/api/v1/dossiers?limit=50&q=nguyen+van');
    expect(p.items[0].procedure_code).toBe('1.001193');
    expect(p.items[0].procedure_name).toBe('Đăng ký khai sinh');
    expect(p.items[0].assignee).toBe('binh');
    expect(p.next).toBe('c2');
  });

  it('escapes dossier codes in paths', async () => {
    reply = (_, res) => json(res, 200, { code: 'A/B', status: 'received', applicant: {} });
    await createClient({ base, token: () => 't' }).act('A/B', { action: 'forward' });
    expect(seen[0].url).toBe('/api/v1/dossiers/A%2FB/actions');
    expect(JSON.parse(seen[0].body)).toEqual({ action: 'forward' });
  });

  it('reports a refused connection as network_error', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const err = await createClient({ base: 'http://127.0.0.1:' + port }).health().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(NETWORK_ERROR);
    expect(err.status).toBe(0);
  });

  it('gives up after the timeout', async () => {
    reply = () => {}; // never answers
    const err = await createClient({ base, timeoutMs: 100 }).health().catch((e) => e);
    expect(err.code).toBe(TIMEOUT);
  });

  it('downloads a protected file with the token', async () => {
    reply = (_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/pdf' });
      res.end('%PDF-1.4 test');
    };
    const c = createClient({ base, token: () => 'tok' });
    const url = c.formUrl('X-1', '01');
    expect(url).toBe(base + '/api/v1/dossiers/X-1/forms/01.pdf');
    const b = await c.download(url);
    expect(await b.text()).toBe('%PDF-1.4 test');
    expect(seen[0].headers.authorization).toBe('Bearer tok');
  });
});

describe('queryString', () => {
  it('drops empty values and sorts keys', () => {
    expect(queryString({ b: 2, a: 'x y', c: '', d: undefined, e: null })).toBe('?a=x+y&b=2');
    expect(queryString({})).toBe('');
  });
});

describe('newKey', () => {
  it('makes distinct v4-shaped keys', () => {
    const keys = new Set(Array.from({ length: 200 }, newKey));
    expect(keys.size).toBe(200);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('stats', () => {
  it('reads the core’s processed counts and hides the rate when nothing is done', async () => {
    reply = (_, res) => json(res, 200, { by_status: { received: 2 }, total: 2, overdue: 0, due_today: 1, processed: {}, on_time_rate: 1 });
    const s = await createClient({ base, token: () => 't' }).stats();
    expect(s.returned).toEqual({ early: 0, on_time: 0, late: 0 });
    expect(s.on_time_rate).toBeNull();
    reply = (_, res) =>
      json(res, 200, { by_status: { returned: 4 }, overdue: 0, due_today: 0, processed: { early: 1, on_time: 2, late: 1 }, on_time_rate: 0.75 });
    const s2 = await createClient({ base, token: () => 't' }).stats();
    expect(s2.returned).toEqual({ early: 1, on_time: 2, late: 1 });
    expect(s2.on_time_rate).toBe(0.75);
  });
});

describe('parseIdCard', () => {
  it('posts the scanned string and returns the card', async () => {
    reply = (_, res) => json(res, 200, { id_number: '037190001234', full_name: 'Nguyễn Thị Hoà', date_of_birth: '1990-03-05', sex: 'Nữ', address: 'Thôn Yên Hòa', issued_on: '2021-08-15' });
    const qr = '037190001234|164512345|Nguyễn Thị Hoà|05031990|Nữ|Thôn Yên Hòa|15082021';
    const card = await createClient({ base, token: () => 't' }).parseIdCard(qr);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/api/v1/idcard/parse');
    expect(JSON.parse(seen[0].body)).toEqual({ qr });
    expect(card.full_name).toBe('Nguyễn Thị Hoà');
  });
});

describe('ref', () => {
  it('names a dossier by its code, or by its ID while its code is shared', () => {
    const d = { code: '000.00.31.H42-260302-0001', id: '0123abcd', status: 'received' } as never;
    expect(ref(d)).toBe('000.00.31.H42-260302-0001');
    expect(ref({ ...(d as object), code_clash: true } as never)).toBe('0123abcd');
  });
});
