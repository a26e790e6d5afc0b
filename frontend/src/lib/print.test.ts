import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createClient } from './api';
import { forgetWindow, inWindow, mediaType, openInWindow, printForm } from './print';

function fakeFetch(routes: Record<string, () => Response | Promise<Response>>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const f = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    const r = routes[url];
    if (!r) throw new TypeError('Failed to fetch');
    return r();
  }) as unknown as typeof fetch;
  return { f, calls };
}

afterEach(() => forgetWindow());

describe('inWindow', () => {
  it('is true where the window answers /desktop/info, and asks once', async () => {
    const { f, calls } = fakeFetch({ '/desktop/info': () => Response.json({ desktop: true }) });
    expect(await inWindow(f)).toBe(true);
    expect(await inWindow(f)).toBe(true);
    expect(calls).toHaveLength(1);
  });
  it.each([
    ['the SPA page', () => new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } })],
    ['a 404', () => new Response('not found', { status: 404 })],
    ['other JSON', () => Response.json({ status: 'ok' })],
  ])('is false in a browser answered with %s', async (_, r) => {
    const { f } = fakeFetch({ '/desktop/info': r });
    expect(await inWindow(f)).toBe(false);
  });
  it('is false when the request fails', async () => {
    const { f } = fakeFetch({});
    expect(await inWindow(f)).toBe(false);
  });
});

describe('openInWindow', () => {
  it('posts the PDF with its name', async () => {
    const { f, calls } = fakeFetch({ '/desktop/open-file': () => new Response(null, { status: 204 }) });
    const pdf = new Blob(['%PDF-1.7'], { type: 'application/pdf' });
    await openInWindow(pdf, 'X-01.pdf', f);
    expect(calls[0].init?.method).toBe('POST');
    expect((calls[0].init?.headers as Record<string, string>)['X-Filename']).toBe('X-01.pdf');
    const body = calls[0].init?.body;
    expect(body).toBeInstanceOf(Uint8Array); // not the Blob: WebKitGTK crashes Wails on Blob bodies
    expect(new TextDecoder().decode(body as Uint8Array)).toBe('%PDF-1.7');
  });
  it("shows the window's Vietnamese message when the viewer cannot open", async () => {
    const { f } = fakeFetch({
      '/desktop/open-file': () =>
        Response.json({ error: { code: 'print_failed', message: 'Không mở được trình xem PDF' } }, { status: 500 }),
    });
    const err = await openInWindow(new Blob(['%PDF-']), 'a.pdf', f).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('print_failed');
    expect(err.message).toBe('Không mở được trình xem PDF');
    expect(err.fromServer).toBe(true); // the window's words (with where the file was saved) are shown as they are
  });
  it('is print_failed when the window fails without JSON', async () => {
    const { f } = fakeFetch({
      '/desktop/open-file': () => new Response('internal error', { status: 500, headers: { 'Content-Type': 'text/plain' } }),
    });
    const err = await openInWindow(new Blob(['%PDF-']), 'a.pdf', f).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(500);
    expect(err.code).toBe('print_failed');
    expect(err.fromServer).toBe(false); // so the screen shows err.print_failed, not the raw text
  });
  it('is a network error when the window does not answer', async () => {
    const { f } = fakeFetch({});
    const err = await openInWindow(new Blob(['%PDF-']), 'a.pdf', f).catch((e) => e);
    expect(err.code).toBe('network_error');
  });
});

describe('mediaType', () => {
  it.each([
    ['application/pdf', 'a.bin', 'application/pdf'],
    ['application/octet-stream', 'bao-cao.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['', 'scan.JPG', 'image/jpeg'],
    ['', 'x', 'application/octet-stream'],
    ['image/png; charset=binary', 'a', 'image/png'],
  ])('type %s named %s is %s', (type, name, want) => {
    expect(mediaType(new Blob(['x'], { type }), name)).toBe(want);
  });
});

describe('printForm', () => {
  it('prints the form of the dossier on screen, by its ID when its code is shared', async () => {
    const { f, calls } = fakeFetch({
      '/desktop/info': () => Response.json({ desktop: true }),
      '/api/v1/dossiers/id7/forms/01.pdf': () => new Response('%PDF-1.7', { headers: { 'Content-Type': 'application/pdf' } }),
      '/desktop/print-file': () => new Response(null, { status: 204 }),
    });
    const api = createClient({ fetch: f, token: () => 't' });
    expect(await printForm(api, { code: 'A-1', id: 'id7', code_clash: true }, '01', f)).toBe(true);
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/dossiers/id7/forms/01.pdf', '/desktop/info', '/desktop/print-file']);
    expect((calls[2].init?.headers as Record<string, string>)['X-Filename']).toBe('A-1-id7-01.pdf');
  });
});

describe('printForm in the window', () => {
  it('asks once and sends nothing when the official cancels', async () => {
    const { f, calls } = fakeFetch({
      '/desktop/info': () => Response.json({ desktop: true }),
      '/api/v1/dossiers/A-1/forms/01.pdf': () => new Response('%PDF-1.7', { headers: { 'Content-Type': 'application/pdf' } }),
    });
    const api = createClient({ fetch: f, token: () => 't' });
    let asked = 0;
    const ok = await printForm(api, { code: 'A-1' }, '01', f, async () => (asked++, false));
    expect(ok).toBe(false);
    expect(asked).toBe(1);
    expect(calls.map((c) => c.url)).not.toContain('/desktop/print-file');
  });
});
