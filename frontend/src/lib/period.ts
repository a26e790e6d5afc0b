// Report periods: a month, a quarter or a year as the first and last
// calendar day in Asia/Ho_Chi_Minh (UTC+7, no daylight saving), which is how
// the API's from/to read them. Pure functions, tested in period.test.ts.

const ICT = 7 * 3600 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

export type PeriodKind = 'month' | 'quarter' | 'year';
export const periodKinds: readonly PeriodKind[] = ['month', 'quarter', 'year'];

/** Period is what the official picks: the kind, the year and, by kind, the month (1–12) or quarter (1–4). */
export interface Period {
  kind: PeriodKind;
  year: number;
  month: number;
  quarter: number;
}

/** Day is a calendar date. */
export interface Day {
  year: number;
  month: number;
  day: number;
}

/** Range is a period's first and last day, both included, as YYYY-MM-DD. */
export interface Range {
  from: string;
  to: string;
}

/** today is the calendar date in Asia/Ho_Chi_Minh at the instant ms (milliseconds since the epoch). */
export function today(ms: number): Day {
  const d = new Date(ms + ICT);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** quarterOf is the quarter (1–4) a month (1–12) falls in. */
export function quarterOf(month: number): number {
  return Math.floor((month - 1) / 3) + 1;
}

/** daysIn is the number of days of a month (1–12) of a year. */
export function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const ymd = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${pad(m)}-${pad(d)}`;

/** range gives a period's first and last day: Q1 2026 is 2026-01-01..2026-03-31. */
export function range(p: Period): Range {
  let first = 1;
  let last = 12;
  if (p.kind === 'month') first = last = p.month;
  else if (p.kind === 'quarter') {
    first = 3 * p.quarter - 2;
    last = 3 * p.quarter;
  }
  return { from: ymd(p.year, first, 1), to: ymd(p.year, last, daysIn(p.year, last)) };
}

/** current is the month of the day d: what the reports screen shows first. */
export function current(d: Day): Period {
  return { kind: 'month', year: d.year, month: d.month, quarter: quarterOf(d.month) };
}

/**
 * clamp keeps a period among those that have begun by the day d (the API
 * refuses a period that has not started): a later year becomes d's year, a
 * later month or quarter of d's year becomes d's own. Out-of-range months
 * and quarters are brought into 1–12 and 1–4.
 */
export function clamp(p: Period, d: Day): Period {
  const year = Math.min(p.year, d.year);
  let month = Math.min(12, Math.max(1, Math.trunc(p.month) || 1));
  let quarter = Math.min(4, Math.max(1, Math.trunc(p.quarter) || 1));
  if (year === d.year) {
    month = Math.min(month, d.month);
    quarter = Math.min(quarter, quarterOf(d.month));
  }
  return { kind: p.kind, year, month, quarter };
}

/** years lists the years a report may cover, the latest first: d's year and the n-1 before it. */
export function years(d: Day, n = 10): number[] {
  return Array.from({ length: n }, (_, i) => d.year - i);
}

/** months lists the months of year that have begun by the day d. */
export function months(year: number, d: Day): number[] {
  const n = year < d.year ? 12 : year === d.year ? d.month : 0;
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** quarters lists the quarters of year that have begun by the day d. */
export function quarters(year: number, d: Day): number[] {
  const n = year < d.year ? 4 : year === d.year ? quarterOf(d.month) : 0;
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * asOf splits the time a report's figures were taken (its as_of, RFC 3339)
 * into the UTC+7 time and date an official writes: midnight is the end of
 * the day before ("24:00", "31/05/2026"), as the printed report says.
 */
export function asOf(iso: string): { time: string; date: string } | null {
  // Go writes nanoseconds; older WebViews parse no more than milliseconds.
  const t = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(t)) return null;
  let d = new Date(t + ICT);
  let time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (time === '00:00') {
    d = new Date(t + ICT - 86400_000);
    time = '24:00';
  }
  return { time, date: `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}` };
}
