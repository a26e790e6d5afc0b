import { describe, expect, it } from 'vitest';
import { clockWarning, date, dateTime, isoDate, money, percent, rfc3339 } from './format';

describe('dateTime', () => {
  it('shows UTC+7 wall time whatever the offset of the input', () => {
    expect(dateTime('2025-07-01T08:05:00+07:00')).toBe('01/07/2025 08:05');
    expect(dateTime('2025-07-01T01:05:00Z')).toBe('01/07/2025 08:05');
    expect(dateTime('2025-12-31T20:00:00Z')).toBe('01/01/2026 03:00');
  });
  it('is empty for missing or bad input', () => {
    expect(dateTime(undefined)).toBe('');
    expect(dateTime('soon')).toBe('');
  });
});

describe('date', () => {
  it('formats plain dates and times', () => {
    expect(date('1990-03-05')).toBe('05/03/1990');
    expect(date('2025-07-01T23:30:00+07:00')).toBe('01/07/2025');
  });
});

describe('isoDate', () => {
  it.each([
    ['05/03/1990', '1990-03-05'],
    ['5/3/1990', '1990-03-05'],
    ['05-03-1990', '1990-03-05'],
    ['05.03.1990', '1990-03-05'],
    ['05031990', '1990-03-05'],
    ['1990-03-05', '1990-03-05'],
    [' 1990-3-5 ', '1990-03-05'],
    ['31/02/1990', '31/02/1990'],
    ['hôm qua', 'hôm qua'],
    ['', ''],
  ])('%s → %s', (s, want) => {
    expect(isoDate(s)).toBe(want);
  });
});

describe('rfc3339', () => {
  it.each([
    ['01/07/2025 08:05', '2025-07-01T08:05:00+07:00'],
    ['1/7/2025 8h05', '2025-07-01T08:05:00+07:00'],
    ['01/07/2025', '2025-07-01T00:00:00+07:00'],
    ['01/07/2025 24:00', '01/07/2025 24:00'],
    ['32/07/2025', '32/07/2025'],
  ])('%s → %s', (s, want) => {
    expect(rfc3339(s)).toBe(want);
  });
});

describe('money and percent', () => {
  it('formats', () => {
    expect(money(8000)).toBe('8.000 đ');
    expect(money(1234567)).toBe('1.234.567 đ');
    expect(money(0)).toBe('0 đ');
    expect(percent(0.974)).toBe('97%');
  });
});

describe('clockWarning', () => {
  const min = 60000;
  it.each([
    [undefined, undefined, null],
    [7 * min, 0, null], // no peer read yet
    [90 * 1000, 1, null], // under two minutes: normal drift
    [-119 * 1000, 2, null],
    [7 * min, 1, { key: 'sb.clock.slow', unit: 'unit.minutes', n: 7 }],
    [-7 * min, 2, { key: 'sb.clock.fast', unit: 'unit.minutes', n: 7 }],
    [119 * min, 1, { key: 'sb.clock.slow', unit: 'unit.minutes', n: 119 }],
    [-3 * 60 * min, 1, { key: 'sb.clock.fast', unit: 'unit.hours', n: 3 }],
    [400 * 24 * 60 * min, 1, { key: 'sb.clock.slow', unit: 'unit.days', n: 400 }],
    [Number.NaN, 1, null],
  ])('offset %s ms from %s peers → %o', (off, peers, want) => {
    expect(clockWarning(off, peers)).toEqual(want);
  });
});
