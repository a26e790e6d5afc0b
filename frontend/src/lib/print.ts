// Forms, reports and scans are files behind the bearer token, so a plain
// link cannot fetch them: download with the token, then hand the file to
// what shows or prints it. In a browser that is the browser itself: a PDF
// or a scan opens in a new tab (its viewer prints), a workbook is saved.
// Inside the desktop window the WebView has neither a viewer nor a download
// folder, so the file goes to the window's own route, which opens it with
// the PC's application for it (app/desktop/print.go).

import { ApiError, failure, NETWORK_ERROR, type Client } from './api';
import { formFileName, type DossierKey } from './dossier';

type Fetch = typeof fetch;

let desktop: Promise<boolean> | undefined;

/** inWindow tells whether the UI runs inside the desktop window (asked once). */
export function inWindow(f: Fetch = fetch): Promise<boolean> {
  desktop ??= f('/desktop/info', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : null))
    .then((j: { desktop?: boolean } | null) => j?.desktop === true)
    .catch(() => false);
  return desktop;
}

/** forgetWindow forgets what inWindow learnt (tests). */
export function forgetWindow(): void {
  desktop = undefined;
}

const types: Record<string, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/** mediaType is the type of a file the UI opens, from the server's answer or else its name. */
export function mediaType(blob: Blob, filename: string): string {
  const t = blob.type.split(';')[0].trim();
  if (t && t !== 'application/octet-stream') return t;
  return types[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** openFile downloads url with the token and shows, prints or saves it (see above). */
export async function openFile(api: Client, url: string, filename: string, f: Fetch = fetch): Promise<void> {
  const blob = await api.download(url);
  if (await inWindow(f)) {
    await openInWindow(blob, filename, f);
    return;
  }
  const obj = URL.createObjectURL(blob);
  const viewable = /^(application\/pdf|image\/)/.test(mediaType(blob, filename));
  const w = viewable ? window.open(obj, '_blank') : null;
  if (!w) {
    const a = document.createElement('a');
    a.href = obj;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  // Give the viewer time to read it before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(obj), 60_000);
}

/** printForm opens form nn of d to print it (the dossier names itself: see dossierRef). */
export function printForm(api: Client, d: DossierKey, nn: string, f: Fetch = fetch): Promise<void> {
  return openFile(api, api.formUrl(d, nn), formFileName(d, nn), f);
}

/**
 * openInWindow hands the file to the desktop window, which opens it with the
 * PC's application. The body goes as bytes, not as the Blob: WebKitGTK hands
 * Wails no body for a Blob-backed request and the window crashes
 * (wailsapp/wails#5845).
 */
export async function openInWindow(file: Blob, filename: string, f: Fetch = fetch): Promise<void> {
  let res: Response;
  try {
    res = await f('/desktop/open-file', {
      method: 'POST',
      headers: { 'Content-Type': mediaType(file, filename), 'X-Filename': filename },
      body: new Uint8Array(await file.arrayBuffer()),
    });
  } catch (e) {
    throw new ApiError(0, NETWORK_ERROR, String(e));
  }
  if (res.ok) return;
  // The window answers {error:{code,message}} in Vietnamese; anything else
  // (no JSON at all) is still a file that did not open.
  throw failure(res, await res.text().catch(() => ''), 'print_failed');
}
