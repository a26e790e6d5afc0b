// Dates and money as Vietnamese officials write them. All legal times are in
// Asia/Ho_Chi_Minh (UTC+7, no daylight saving), whatever the PC's own time
// zone says, so the UTC+7 shift is done by hand instead of trusting Intl.

const ICT = 7 * 3600 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

function ict(s: string | undefined): Date | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t + ICT);
}

/** dateTime formats an RFC 3339 time as "dd/mm/yyyy hh:mm" in UTC+7. */
export function dateTime(s: string | undefined): string {
  const d = ict(s);
  if (!d) return '';
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** date formats an RFC 3339 time or a YYYY-MM-DD date as "dd/mm/yyyy". */
export function date(s: string | undefined): string {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  const d = ict(s);
  return d ? `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}` : '';
}

function validYMD(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * isoDate turns what an official types for a date ("5/3/1990", "05031990",
 * "05-03-1990", "1990-03-05") into "1990-03-05". Input it cannot read is
 * returned trimmed, unchanged, so the server rejects it with its own message
 * next to the field.
 */
export function isoDate(s: string): string {
  const v = s.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(v);
  if (m && validYMD(+m[1], +m[2], +m[3])) return `${m[1]}-${pad(+m[2])}-${pad(+m[3])}`;
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(v) ?? /^(\d{2})(\d{2})(\d{4})$/.exec(v);
  if (m && validYMD(+m[3], +m[2], +m[1])) return `${m[3]}-${pad(+m[2])}-${pad(+m[1])}`;
  return v;
}

/**
 * rfc3339 turns "dd/mm/yyyy hh:mm" (UTC+7 wall time) into RFC 3339 with the
 * +07:00 offset; unreadable input is returned trimmed for the server to reject.
 */
export function rfc3339(s: string): string {
  const v = s.trim();
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?$/.exec(v);
  if (!m || !validYMD(+m[3], +m[2], +m[1])) return v;
  const hh = m[4] === undefined ? 0 : +m[4];
  const mi = m[5] === undefined ? 0 : +m[5];
  if (hh > 23 || mi > 59) return v;
  return `${m[3]}-${pad(+m[2])}-${pad(+m[1])}T${pad(hh)}:${pad(mi)}:00+07:00`;
}

/** money formats an amount of đồng with dot thousands separators. */
export function money(n: number): string {
  const s = Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return s + ' đ';
}

/** percent formats a 0..1 rate as a whole percentage. */
export function percent(r: number): string {
  return Math.round(r * 100) + '%';
}

/** ClockWarning names the status bar's message on this PC's clock. */
export interface ClockWarning {
  key: 'sb.clock.slow' | 'sb.clock.fast';
  unit: 'unit.minutes' | 'unit.hours' | 'unit.days';
  n: number;
}

/**
 * clockWarning says whether to warn that this PC's clock is off its peers'
 * (offsetMs: the peers' clocks minus this PC's, from /health's clock), and
 * by how much in a unit an official reads at a glance. Under two minutes,
 * or with no peer read, there is nothing to say.
 */
export function clockWarning(offsetMs: number | undefined, peers: number | undefined): ClockWarning | null {
  if (!peers || offsetMs === undefined || !Number.isFinite(offsetMs)) return null;
  if (Math.abs(offsetMs) < 2 * 60000) return null;
  const min = Math.round(Math.abs(offsetMs) / 60000);
  const key = offsetMs > 0 ? 'sb.clock.slow' : 'sb.clock.fast';
  if (min < 120) return { key, unit: 'unit.minutes', n: min };
  if (min < 48 * 60) return { key, unit: 'unit.hours', n: Math.round(min / 60) };
  return { key, unit: 'unit.days', n: Math.round(min / 1440) };
}
