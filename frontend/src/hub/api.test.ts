// The dashboard's client against a real HTTP server on loopback serving the
// fixtures in the hub's shape: paths, headers, bodies and errors are real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import { createHubClient } from './api';
import communesJSON from './fixtures/communes.json';
import dossiersJSON from './fixtures/dossiers.json';
import { communeOf } from './state.svelte';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base = '';
let seen: Seen[] = [];
let reply: (req: Seen, res: ServerResponse) => void = (_, res) => res.end();

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

describe('hub client', () => {
  it('signs in and then sends the token and the language', async () => {
    let token = '';
    const c = createHubClient({ base, token: () => token, lang: () => 'vi' });
    reply = (_, res) => json(res, 201, { token: 'tok-1', user: { username: 'admin', roles: ['admin'] } });
    const s = await c.signIn('admin', 'pw');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/sessions' });
    expect(seen[0].headers.authorization).toBeUndefined();
    expect(JSON.parse(seen[0].body)).toEqual({ username: 'admin', password: 'pw' });
    token = s.token;
    reply = (_, res) => json(res, 200, communesJSON);
    const items = await c.communes();
    expect(seen[1].url).toBe('/api/v1/communes');
    expect(seen[1].headers.authorization).toBe('Bearer tok-1');
    expect(seen[1].headers['accept-language']).toBe('vi');
    expect(items.map((x) => x.code)).toEqual(['13285', '13291', '13318', '14701']);
    expect(items[2].last_seen).toBeNull();
  });

  it('reads one commune and pages through its dossiers', async () => {
    const c = createHubClient({ base, token: () => 't' });
    reply = (_, res) => json(res, 200, communesJSON.items[0]);
    expect((await c.commune('13285')).overdue).toBe(1);
    expect(seen[0].url).toBe('/api/v1/communes/13285');
    reply = (_, res) => json(res, 200, dossiersJSON);
    const p = await c.dossiers('13285', { status: 'processing', limit: 100, after: '' });
    expect(seen[1].url).toBe('/api/v1/communes/13285/dossiers?limit=100&status=processing');
    expect(p.next).toBe('cursor-2');
    expect(p.items).toHaveLength(3);
    reply = (_, res) => json(res, 200, { items: [] });
    expect(await c.dossiers('13285', { after: 'cursor-2' })).toEqual({ items: [], next: '' });
    expect(seen[2].url).toBe('/api/v1/communes/13285/dossiers?after=cursor-2');
  });

  it('issues an enrolment token', async () => {
    const c = createHubClient({ base, token: () => 't' });
    reply = (_, res) => json(res, 201, { token: 'enrol-abc' });
    expect(await c.enrol('14701')).toBe('enrol-abc');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/communes/14701/enrolments' });
    reply = (_, res) => json(res, 201, {});
    await expect(c.enrol('14701')).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('turns the hub’s errors into ApiError and ends the session on 401', async () => {
    let ended = 0;
    const c = createHubClient({ base, token: () => 't', onUnauthorized: () => ended++ });
    reply = (_, res) => json(res, 404, { error: { code: 'not_found', message: 'Không có xã này.' } });
    const err = await c.commune('00000').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: 'Không có xã này.', fromServer: true });
    reply = (_, res) => json(res, 401, { error: { code: 'unauthorized', message: 'Hết phiên.' } });
    await expect(c.communes()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(ended).toBe(1);
  });

  it('names a hub that does not answer', async () => {
    const c = createHubClient({ base: 'http://127.0.0.1:1' });
    await expect(c.communes()).rejects.toMatchObject({ code: 'network_error' });
    reply = () => {}; // never answers
    const slow = createHubClient({ base, timeoutMs: 100 });
    await expect(slow.communes()).rejects.toMatchObject({ code: 'timeout' });
  });
});

describe('routes', () => {
  it('open a commune from the hash', () => {
    expect(communeOf('#/communes/13285')).toBe('13285');
    expect(communeOf('#/')).toBe('');
    expect(communeOf('')).toBe('');
    expect(communeOf('#/communes/%E0')).toBe('');
  });
});
