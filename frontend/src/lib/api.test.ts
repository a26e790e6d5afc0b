// The API client against a real HTTP server on loopback (node:http), so
// headers, bodies, status codes and connection failures are real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, failure, NETWORK_ERROR, newKey, queryString, TIMEOUT } from './api';

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
    await createClient({ base, token: () => 't' }).act({ code: 'A/B' }, { action: 'forward' });
    expect(seen[0].url).toBe('/api/v1/dossiers/A%2FB/actions');
    expect(JSON.parse(seen[0].body)).toEqual({ action: 'forward' });
  });

  it('names a dossier whose code is shared by its ID in every call about it', async () => {
    const urls: string[] = [];
    const f = (async (url: string) => {
      urls.push(url);
      return Response.json({ code: 'A-1', id: 'id7', code_clash: true, status: 'returned', applicant: {} });
    }) as unknown as typeof fetch;
    const c = createClient({ fetch: f, token: () => 't' });
    const d = { code: 'A-1', id: 'id7', code_clash: true };
    expect(c.formUrl(d, '01')).toBe('/api/v1/dossiers/id7/forms/01.pdf');
    expect(c.attachmentUrl(d, 'ab')).toBe('/api/v1/dossiers/id7/attachments/ab');
    await c.act(d, { action: 'receive' });
    await c.rate(d, 'satisfied');
    await c.dossier(d);
    await c.dossier('A-1'); // a link names it as it is
    await c.attach(d, new Blob(['%PDF-'], { type: 'application/pdf' }), 'a.pdf');
    expect(urls).toEqual([
      '/api/v1/dossiers/id7/actions',
      '/api/v1/dossiers/id7/rating',
      '/api/v1/dossiers/id7',
      '/api/v1/dossiers/A-1',
      '/api/v1/dossiers/id7/attachments?name=a.pdf',
    ]);
    expect(c.formUrl({ ...d, code_clash: false }, '06')).toBe('/api/v1/dossiers/A-1/forms/06.pdf');
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
    const url = c.formUrl({ code: 'X-1' }, '01');
    expect(url).toBe(base + '/api/v1/dossiers/X-1/forms/01.pdf');
    const b = await c.download(url);
    expect(await b.text()).toBe('%PDF-1.4 test');
    expect(seen[0].headers.authorization).toBe('Bearer tok');
  });

  it('ends the session when a download gets 401', async () => {
    reply = (_, res) => json(res, 401, { error: { code: 'unauthorized', message: 'Phiên đăng nhập đã hết hạn.' } });
    let calls = 0;
    const c = createClient({ base, token: () => 'old', onUnauthorized: () => calls++ });
    const err = await c.download(c.formUrl({ code: 'X-1' }, '01')).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('unauthorized');
    expect(err.message).toBe('Phiên đăng nhập đã hết hạn.');
    expect(calls).toBe(1);
  });

  it('gives a download up after the upload timeout, not the short one', async () => {
    reply = () => {}; // never answers
    const c = createClient({ base, timeoutMs: 10, uploadTimeoutMs: 150 });
    const started = Date.now();
    const err = await c.download(c.formUrl({ code: 'X-1' }, '01')).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('times out a download whose body stalls after the headers', async () => {
    reply = (_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/pdf', 'Content-Length': '1000' });
      res.write('%PDF-1.4 ');
    };
    const c = createClient({ base, uploadTimeoutMs: 150 });
    const err = await c.download(c.formUrl({ code: 'X-1' }, '01')).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(TIMEOUT);
  });

  it('reports a download that fails without JSON by its status', async () => {
    reply = (_, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('boom');
    };
    const c = createClient({ base, token: () => 't' });
    const err = await c.download(c.formUrl({ code: 'X-1' }, '01')).catch((e) => e);
    expect(err.code).toBe('http_500');
    expect(err.message).toBe('boom');
    expect(err.fromServer).toBe(false);
  });
});

describe('failure', () => {
  const res = (status: number, statusText = '') => ({ status, statusText });
  it.each([
    ['the server’s error', res(409), '{"error":{"code":"conflict","message":"Đã đánh giá.","field":"rating"}}', undefined, ['conflict', 'Đã đánh giá.', 'rating', true]],
    ['an error without a message', res(400), '{"error":{"code":"invalid"}}', undefined, ['invalid', 'invalid', '', true]],
    ['plain text', res(502, 'Bad Gateway'), 'bad gateway', undefined, ['http_502', 'bad gateway', '', false]],
    ['an empty body', res(503, 'Service Unavailable'), '', undefined, ['http_503', 'Service Unavailable', '', false]],
    ['JSON that is no error', res(500), '{"status":"down"}', undefined, ['http_500', '{"status":"down"}', '', false]],
    ['an empty body with the caller’s code', res(500), '', 'print_failed', ['print_failed', 'print_failed', '', false]],
  ])('reads %s', (_, r, text, fallback, [code, message, field, fromServer]) => {
    const err = failure(r, text, fallback);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(r.status);
    expect([err.code, err.message, err.field, err.fromServer]).toEqual([code, message, field, fromServer]);
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

describe('attachments and ratings', () => {
  // A fake fetch that records what the client hands it, so the body's type
  // (not only its bytes) can be checked.
  function fakeFetch(answer: () => Response) {
    const calls: { url: string; init: RequestInit }[] = [];
    const f = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return answer();
    }) as unknown as typeof fetch;
    return { f, calls };
  }
  const png = () => new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])], { type: 'image/png' });
  const attachment = { sha256: 'ab'.repeat(32), name: 'giấy khai sinh.png', media_type: 'image/png', size: 11, at: '2026-03-02T09:00:00+07:00', by: 'letiep' };

  it('uploads a scan as bytes, not as the Blob, with its type and name', async () => {
    const { f, calls } = fakeFetch(() => Response.json(attachment, { status: 201 }));
    const c = createClient({ base: 'http://pc', fetch: f, token: () => 'tok' });
    const r = await c.attach({ code: 'A/1' }, png(), 'giấy khai sinh.png');
    expect(r.created).toBe(true);
    expect(r.attachment.sha256).toBe(attachment.sha256);
    const { url, init } = calls[0];
    expect(url).toBe('http://pc/api/v1/dossiers/A%2F1/attachments?name=gi%E1%BA%A5y+khai+sinh.png');
    expect(init.method).toBe('POST');
    // WebKitGTK crashes the Wails window on a Blob, File or FormData body (wailsapp/wails#5845).
    expect(init.body).toBeInstanceOf(Uint8Array);
    expect(init.body).not.toBeInstanceOf(Blob);
    expect(Array.from(init.body as Uint8Array)).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const h = init.headers as Record<string, string>;
    expect(h['Content-Type']).toBe('image/png');
    expect(h.Authorization).toBe('Bearer tok');
  });

  it('says when the same scan was attached before (200, not 201)', async () => {
    const { f } = fakeFetch(() => Response.json({ ...attachment, name: 'scan đầu.png' }, { status: 200 }));
    const r = await createClient({ base: 'http://pc', fetch: f }).attach({ code: 'A-1' }, png(), 'lần hai.png');
    expect(r.created).toBe(false);
    expect(r.attachment.name).toBe('scan đầu.png');
  });

  it('sends a file of no known type as octet-stream: the server judges the content', async () => {
    const { f, calls } = fakeFetch(() => Response.json(attachment, { status: 201 }));
    await createClient({ base: 'http://pc', fetch: f }).attach({ code: 'A-1' }, new Blob(['x']), 'x');
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
  });

  it.each([
    [400, 'invalid', 'Tệp không phải ảnh quét (JPEG, PNG) hoặc PDF hợp lệ.'],
    [413, 'too_large', 'Tệp quá lớn: mỗi tệp đính kèm tối đa 10 MB.'],
  ])('turns a refused upload (%i) into ApiError with the server’s message', async (status, code, message) => {
    const { f } = fakeFetch(() => Response.json({ error: { code, message, field: 'file' } }, { status }));
    const err = await createClient({ base: 'http://pc', fetch: f, token: () => 't' })
      .attach({ code: 'A-1' }, new Blob(['not a scan'], { type: 'image/png' }), 'fake.png')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
    expect(err.field).toBe('file');
  });

  it('ends the session when an upload gets 401', async () => {
    const { f } = fakeFetch(() => Response.json({ error: { code: 'unauthorized', message: 'Phiên đăng nhập đã hết hạn.' } }, { status: 401 }));
    let calls = 0;
    const err = await createClient({ base: 'http://pc', fetch: f, token: () => 'old', onUnauthorized: () => calls++ })
      .attach({ code: 'A-1' }, png(), 'a.png')
      .catch((e) => e);
    expect(err.code).toBe('unauthorized');
    expect(calls).toBe(1);
  });

  it('reports a broken connection during an upload as network_error', async () => {
    const f = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const err = await createClient({ base: 'http://pc', fetch: f }).attach({ code: 'A-1' }, png(), 'a.png').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(NETWORK_ERROR);
  });

  it('delivers the bytes to a real server intact', async () => {
    reply = (_, res) => json(res, 201, attachment);
    await createClient({ base, token: () => 't' }).attach({ code: 'A-1' }, new Blob(['%PDF-1.7 …%%EOF'], { type: 'application/pdf' }), 'đơn.pdf');
    expect(seen[0].headers['content-type']).toBe('application/pdf');
    expect(seen[0].headers['content-length']).toBe(String(new TextEncoder().encode('%PDF-1.7 …%%EOF').length));
    expect(seen[0].body).toBe('%PDF-1.7 …%%EOF');
  });

  it('names an attached file by dossier and hash', () => {
    const c = createClient({ base: 'http://pc' });
    expect(c.attachmentUrl({ code: 'A/1' }, attachment.sha256)).toBe('http://pc/api/v1/dossiers/A%2F1/attachments/' + attachment.sha256);
  });

  it('records a rating as JSON, leaving out an empty note', async () => {
    reply = (_, res) => json(res, 200, { code: 'A-1', status: 'returned', rating: { value: 'satisfied', at: '2026-03-02T10:00:00+07:00', by: 'letiep' } });
    const c = createClient({ base, token: () => 't' });
    const d = await c.rate({ code: 'A-1' }, 'satisfied', '  ');
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe('/api/v1/dossiers/A-1/rating');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual({ rating: 'satisfied' });
    expect(d.rating?.value).toBe('satisfied');
    expect(d.applicant).toBeDefined(); // normalised like every dossier
    await c.rate({ code: 'A-1' }, 'dissatisfied', ' chờ lâu ');
    expect(JSON.parse(seen[1].body)).toEqual({ rating: 'dissatisfied', note: 'chờ lâu' });
  });
});
