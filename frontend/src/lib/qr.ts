// The QR code on a Vietnamese chip ID card (CCCD) reads
//   ID|old ID|full name|DDMMYYYY birth|sex|address|DDMMYYYY issue date
// and, on cards issued since mid-2024, four empty fields more (11 in all, ending
// in `||||`); the old ID may be empty, 9 or 12 digits.
// A USB QR scanner "types" it into whatever field has focus, usually ending
// with Enter. The desk watches its ID field for the start of that shape and
// hands the whole string to the one parser, the server's (POST /idcard/parse,
// app.ParseIDCardQR), so the desk and the paper trail read cards alike.

/** looksLikeQr tells whether a field value is (the start of) a scanned QR: digits, then a bar. */
export function looksLikeQr(s: string): boolean {
  return /^\s*\d{9,}\|/.test(s);
}

/**
 * qrComplete tells whether a scan has all seven fields, the last being the
 * 8-digit issue date: then a pause in the typing means the scanner is done.
 * (A scanner that sends Enter is handled without waiting for this.)
 */
export function qrComplete(s: string): boolean {
  const parts = s.trim().split('|');
  return parts.length >= 7 && /^\d{8}$/.test(parts[6].trim());
}

/**
 * idPart is what to leave in the ID field when a scan cannot be read: the
 * first field of the string, which is the 12-digit ID on a good scan.
 */
export function idPart(s: string): string {
  return s.split('|')[0].trim();
}

/** isoToDmy turns "1990-03-05" into "05/03/1990" for the desk's date field. */
export function isoToDmy(s: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : s;
}
