// Printed forms are PDFs behind the bearer token, so a plain link cannot
// fetch them: download with the token, then hand the PDF to the browser's
// viewer (which prints), or save it when no new window can open (some
// WebViews refuse window.open).

import type { Client } from './api';

export async function openPdf(api: Client, url: string, filename: string): Promise<void> {
  const blob = await api.download(url);
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
