import { describe, expect, it } from 'vitest';
import { asOf, clamp, current, daysIn, months, quarterOf, quarters, range, today, years, type Period } from './period';

const p = (kind: Period['kind'], year: number, month = 1, quarter = 1): Period => ({ kind, year, month, quarter });

describe('range', () => {
  it.each<[string, Period, string, string]>([
    ['Q1 2026', p('quarter', 2026, 7, 1), '2026-01-01', '2026-03-31'],
    ['Q2 2026', p('quarter', 2026, 1, 2), '2026-04-01', '2026-06-30'],
    ['Q3 2026', p('quarter', 2026, 1, 3), '2026-07-01', '2026-09-30'],
    ['Q4 2026', p('quarter', 2026, 1, 4), '2026-10-01', '2026-12-31'],
    ['February 2028 (leap)', p('month', 2028, 2), '2028-02-01', '2028-02-29'],
    ['February 2026', p('month', 2026, 2), '2026-02-01', '2026-02-28'],
    ['February 2100 (not leap)', p('month', 2100, 2), '2100-02-01', '2100-02-28'],
    ['February 2000 (leap)', p('month', 2000, 2), '2000-02-01', '2000-02-29'],
    ['April 2026', p('month', 2026, 4), '2026-04-01', '2026-04-30'],
    ['December 2026', p('month', 2026, 12), '2026-12-01', '2026-12-31'],
    ['year 2025', p('year', 2025, 6, 3), '2025-01-01', '2025-12-31'],
  ])('%s', (_, per, from, to) => {
    expect(range(per)).toEqual({ from, to });
  });

  it('ignores the month of a quarter and both of a year', () => {
    expect(range(p('quarter', 2026, 12, 1))).toEqual(range(p('quarter', 2026, 1, 1)));
    expect(range(p('year', 2026, 12, 4))).toEqual(range(p('year', 2026, 1, 1)));
  });
});

describe('today', () => {
  it.each([
    // 16:59:59 UTC is 23:59:59 in Hà Nội; 17:00 UTC is already the next day there.
    ['2026-03-31T16:59:59Z', { year: 2026, month: 3, day: 31 }],
    ['2026-03-31T17:00:00Z', { year: 2026, month: 4, day: 1 }],
    ['2025-12-31T17:00:00Z', { year: 2026, month: 1, day: 1 }],
    ['2026-01-01T00:00:00+07:00', { year: 2026, month: 1, day: 1 }],
  ])('%s', (iso, want) => {
    expect(today(Date.parse(iso))).toEqual(want);
  });
});

describe('current', () => {
  it('is the month of the day, with its quarter', () => {
    expect(current({ year: 2026, month: 11, day: 27 })).toEqual(p('month', 2026, 11, 4));
    expect(current({ year: 2026, month: 3, day: 1 })).toEqual(p('month', 2026, 3, 1));
  });
});

describe('clamp', () => {
  const d = { year: 2026, month: 5, day: 14 };
  it.each<[string, Period, Period]>([
    ['an earlier year stays', p('month', 2025, 12, 4), p('month', 2025, 12, 4)],
    ['a later month of this year becomes this month', p('month', 2026, 9, 3), p('month', 2026, 5, 2)],
    ['a later quarter of this year becomes this quarter', p('quarter', 2026, 1, 4), p('quarter', 2026, 1, 2)],
    ['a later year becomes this year', p('year', 2027, 1, 1), p('year', 2026, 1, 1)],
    ['a later year keeps a month that has begun', p('month', 2030, 3, 1), p('month', 2026, 3, 1)],
    ['a month out of range is brought in', p('month', 2024, 13, 0), p('month', 2024, 12, 1)],
    ['a quarter out of range is brought in', p('quarter', 2024, 0, 7), p('quarter', 2024, 1, 4)],
  ])('%s', (_, per, want) => {
    expect(clamp(per, d)).toEqual(want);
  });
  it('never leaves a period that starts after the day', () => {
    for (const kind of ['month', 'quarter', 'year'] as const) {
      for (let m = 1; m <= 12; m++) {
        const r = range(clamp(p(kind, 2026, m, quarterOf(m)), d));
        expect(r.from <= '2026-05-14', `${kind} ${m}: ${r.from}`).toBe(true);
      }
    }
  });
});

describe('choices', () => {
  const d = { year: 2026, month: 5, day: 14 };
  it('offers the years down from this one', () => {
    expect(years(d, 3)).toEqual([2026, 2025, 2024]);
    expect(years(d)).toHaveLength(10);
  });
  it('offers the months and quarters that have begun', () => {
    expect(months(2026, d)).toEqual([1, 2, 3, 4, 5]);
    expect(months(2025, d)).toHaveLength(12);
    expect(months(2027, d)).toEqual([]);
    expect(quarters(2026, d)).toEqual([1, 2]);
    expect(quarters(2025, d)).toEqual([1, 2, 3, 4]);
    expect(quarterOf(3)).toBe(1);
    expect(quarterOf(4)).toBe(2);
    expect(quarterOf(12)).toBe(4);
    expect(daysIn(2026, 2)).toBe(28);
  });
});

describe('asOf', () => {
  it('writes the end of a finished period as 24:00 of its last day', () => {
    expect(asOf('2026-06-01T00:00:00+07:00')).toEqual({ time: '24:00', date: '31/05/2026' });
    expect(asOf('2025-12-31T17:00:00Z')).toEqual({ time: '24:00', date: '31/12/2025' });
  });
  it('writes a running period at its time of day in UTC+7', () => {
    expect(asOf('2026-11-27T20:43:26.509833709+07:00')).toEqual({ time: '20:43', date: '27/11/2026' });
    expect(asOf('2026-11-27T01:05:00Z')).toEqual({ time: '08:05', date: '27/11/2026' });
  });
  it('is null for what is not a time', () => {
    expect(asOf('')).toBeNull();
    expect(asOf('yesterday')).toBeNull();
  });
});
