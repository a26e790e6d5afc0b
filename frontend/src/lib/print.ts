// Forms, reports and scans are files behind the bearer token, so a plain
// link cannot fetch them: download with the token, then hand the file to
// what shows or prints it. A form is printed from the page itself
// (printForm): in a browser through a hidden frame and the print dialog, in
// the desktop window straight to the PC's printer after one confirmation.
// A scan or a report opens in a new tab or is saved (openFile); inside the
// window, which has neither a viewer nor a download folder, it goes to the
// window's own route, which opens it with the PC's application for it
// (app/desktop/print.go).

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

/**
 * printForm prints form nn of d (the dossier names itself: see dossierRef)
 * without leaving the page. In a browser the print dialog opens at once over
 * the page (printInPage: no tab to close). In the desktop window, once the
 * official confirms (confirm), the PDF goes straight to the PC's default
 * printer (printInWindow). It resolves to false when the official cancelled.
 */
export async function printForm(
  api: Client,
  d: DossierKey,
  nn: string,
  f: Fetch = fetch,
  confirm: () => Promise<boolean> = async () => true,
): Promise<boolean> {
  const blob = await api.download(api.formUrl(d, nn));
  if (await inWindow(f)) {
    if (!(await confirm())) return false;
    await printInWindow(blob, formFileName(d, nn), f);
  } else {
    await printInPage(blob);
  }
  performance.mark?.('xaso:printed');
  return true;
}

/**
 * printInPage loads a PDF into a hidden frame of the page and opens the
 * browser's print dialog on it: the official presses Enter (or picks a
 * printer) and stays on the page. One frame at a time; its URL is revoked a
 * minute later.
 */
export function printInPage(pdf: Blob, doc: Document = document): Promise<void> {
  return new Promise((resolve, reject) => {
    doc.getElementById('print-frame')?.remove();
    const url = URL.createObjectURL(pdf.type ? pdf : new Blob([pdf], { type: 'application/pdf' }));
    const frame = doc.createElement('iframe');
    frame.id = 'print-frame';
    frame.title = 'print';
    frame.setAttribute('aria-hidden', 'true');
    frame.tabIndex = -1;
    frame.style.cssText = 'position:fixed;right:0;bottom:0;width:0;height:0;border:0;visibility:hidden';
    frame.onload = () => {
      // The PDF viewer inside the frame needs a moment after load.
      setTimeout(() => {
        // The keyboard stays on the page (F-keys, Enter on the next step),
        // not in the hidden frame.
        const back = doc.activeElement as HTMLElement | null;
        try {
          frame.contentWindow?.print();
          back?.focus();
          resolve();
        } catch (e) {
          reject(e);
        }
      }, 150);
    };
    frame.src = url;
    doc.body.appendChild(frame);
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
}

/** printInWindow hands a PDF to the desktop window, which sends it to the PC's default printer. */
export async function printInWindow(pdf: Blob, filename: string, f: Fetch = fetch): Promise<void> {
  let res: Response;
  try {
    res = await f('/desktop/print-file', {
      method: 'POST',
      headers: { 'Content-Type': 'application/pdf', 'X-Filename': filename },
      body: new Uint8Array(await pdf.arrayBuffer()), // bytes, not the Blob (see openInWindow)
    });
  } catch (e) {
    throw new ApiError(0, NETWORK_ERROR, String(e));
  }
  if (res.ok) return;
  throw failure(res, await res.text().catch(() => ''), 'print_failed');
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
