// Checks the desk makes while the official types, before asking the
// server: each is one the server makes too (app/applicant.go), worded as
// the field's label is, so a form shows every problem at once, beside its
// field. The server's answer (error.fields) adds whatever only it can see.

import { isoDate, rfc3339 } from './format';

/** Problem is an i18n key and its parameters, or null when the value is fine. */
export type Problem = { key: string; params?: Record<string, string | number> } | null;

/** idProblem checks a personal ID number: 12 digits (a scanned QR is handled elsewhere). */
export function idProblem(s: string, final = true): Problem {
  const v = s.trim();
  if (v === '') return final ? { key: 'check.id.empty' } : null;
  if (/[^0-9]/.test(v)) return v.includes('|') ? null : { key: 'check.id.digits', params: { n: v.length } };
  if (v.length > 12 || (final && v.length !== 12)) return { key: 'check.id.digits', params: { n: v.length } };
  return null;
}

/** dateProblem checks a dd/mm/yyyy date that must exist (31/02 does not). */
export function dateProblem(s: string): Problem {
  const v = s.trim();
  if (v === '') return null;
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate(v)) ? null : { key: 'check.date' };
}

/** dateTimeProblem checks a "dd/mm/yyyy hh:mm" time that is required. */
export function dateTimeProblem(s: string): Problem {
  const v = s.trim();
  if (v === '') return { key: 'check.datetime.empty' };
  return /T\d{2}:\d{2}:00\+07:00$/.test(rfc3339(v)) ? null : { key: 'check.datetime' };
}

/** phoneProblem checks an optional phone number as the server normalises it. */
export function phoneProblem(s: string): Problem {
  let v = s.replace(/[\s.()-]/g, '');
  if (v === '') return null;
  if (v.startsWith('+84')) v = '0' + v.slice(3);
  else if (v.startsWith('84') && v.length === 11) v = '0' + v.slice(2);
  return /^0\d{9,10}$/.test(v) ? null : { key: 'check.phone' };
}

/** required is a problem when s is blank. */
export function required(s: string | undefined | null, key: string): Problem {
  return (s ?? '').trim() === '' ? { key } : null;
}
