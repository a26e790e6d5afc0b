// Printed forms are PDFs behind the bearer token, so a plain link cannot
// fetch them: download with the token, then hand the PDF to a viewer that
// prints. In a browser that is the browser's own viewer (a new tab; saved
// instead when no tab can open). Inside the desktop window the WebView has
// no viewer to open, so the PDF goes to the window's own route, which opens
// it in the PC's PDF viewer (app/desktop/print.go).

import { ApiError, NETWORK_ERROR, type Client } from './api';

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

export async function openPdf(api: Client, url: string, filename: string, f: Fetch = fetch): Promise<void> {
  const blob = await api.download(url);
  if (await inWindow(f)) {
    await printInWindow(blob, filename, f);
    return;
  }
  const obj = URL.createObjectURL(blob);
  const w = window.open(obj, '_blank');
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

/**
 * printInWindow hands the PDF to the desktop window, which opens the PC's
 * viewer. The body goes as bytes, not as the Blob: WebKitGTK hands Wails no
 * body for a Blob-backed request and the window crashes (wailsapp/wails#5845).
 */
export async function printInWindow(pdf: Blob, filename: string, f: Fetch = fetch): Promise<void> {
  let res: Response;
  try {
    res = await f('/desktop/open-pdf', {
      method: 'POST',
      headers: { 'Content-Type': 'application/pdf', 'X-Filename': filename },
      body: new Uint8Array(await pdf.arrayBuffer()),
    });
  } catch (e) {
    throw new ApiError(0, NETWORK_ERROR, String(e));
  }
  if (res.ok) return;
  let err: { code?: string; message?: string } | undefined;
  try {
    err = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
  } catch {
    err = undefined;
  }
  throw new ApiError(res.status, err?.code ?? 'print_failed', err?.message ?? 'print_failed');
}
