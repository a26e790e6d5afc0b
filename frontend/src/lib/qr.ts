// The QR code on a Vietnamese chip ID card (CCCD) reads
//   ID|old 9-digit ID|full name|DDMMYYYY birth|sex|address|DDMMYYYY issue date
// A USB QR scanner "types" it into whatever field has focus, usually ending
// with Enter. The desk form watches its ID field for this shape.

export interface IdCard {
  id_number: string;
  old_id: string;
  full_name: string;
  /** YYYY-MM-DD */
  date_of_birth: string;
  sex: string;
  address: string;
  /** YYYY-MM-DD, or '' when the card leaves it out */
  issued_on: string;
}

/** looksLikeQr tells whether a field value is (the start of) a scanned QR. */
export function looksLikeQr(s: string): boolean {
  return /^\s*\d{9,12}\|/.test(s);
}

/** ddmmyyyy turns "05031990" into "1990-03-05"; '' when not a real date. */
export function ddmmyyyy(s: string): string {
  const m = /^(\d{2})(\d{2})(\d{4})$/.exec(s.trim());
  if (!m) return '';
  const [, dd, mm, yyyy] = m;
  const d = new Date(Date.UTC(+yyyy, +mm - 1, +dd));
  if (d.getUTCFullYear() !== +yyyy || d.getUTCMonth() !== +mm - 1 || d.getUTCDate() !== +dd) {
    return '';
  }
  return `${yyyy}-${mm}-${dd}`;
}

/**
 * parseIdCardQr parses a scanned chip ID card QR string, or returns null when
 * the string is not one (wrong field count, ID not 12 digits, no name, or a
 * birth date that is not a date). Trailing fields added by newer cards are
 * ignored.
 */
export function parseIdCardQr(raw: string): IdCard | null {
  const parts = raw.replace(/[\r\n]+$/g, '').trim().split('|');
  if (parts.length < 7) return null;
  const [id, old, name, dob, sex, address, issued] = parts.map((p) => p.trim());
  if (!/^\d{12}$/.test(id)) return null;
  if (old !== '' && !/^\d{9}$/.test(old)) return null;
  if (name === '') return null;
  const birth = ddmmyyyy(dob);
  if (birth === '') return null;
  return {
    id_number: id,
    old_id: old,
    full_name: name.replace(/\s+/g, ' '),
    date_of_birth: birth,
    sex,
    address: address.replace(/\s+/g, ' '),
    issued_on: ddmmyyyy(issued),
  };
}
