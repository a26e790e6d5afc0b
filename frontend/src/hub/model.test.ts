// The dashboard's figures against fixtures of the hub's JSON (docs/province.md).
import { describe, expect, it } from 'vitest';
import { translate } from '../lib/i18n';
import communesJSON from './fixtures/communes.json';
import dossiersJSON from './fixtures/dossiers.json';
import {
  agoText, filterCommunes, inProgress, isOverdue, isStale, needsAttention, normalise, rateText,
  skewText, sortCommunes, span, total, totals, type CommuneItem, type HubDossier,
} from './model';

const now = Date.parse('2026-12-04T10:00:00+07:00');
const items: CommuneItem[] = communesJSON.items.map((x) => normalise(x));
const byCode = (code: string) => items.find((c) => c.code === code)!;
const vi = (k: string, p?: Record<string, string | number>) => translate('vi', k, p);
const en = (k: string, p?: Record<string, string | number>) => translate('en', k, p);

describe('communes', () => {
  it('count dossiers in total and in progress', () => {
    expect(total(byCode('13285'))).toBe(952);
    expect(inProgress(byCode('13285'))).toBe(44); // received, processing, supplement: not result_ready, returned, refused
    expect(total(byCode('13318'))).toBe(0);
  });

  it('sum to the province row, the on-time rate weighted by returned dossiers', () => {
    const s = totals(items, now);
    expect(s).toMatchObject({ communes: 4, seen: 3, stale: 2, commands: 23431, unsent: 340, overdue: 1, dossiers: 1064, in_progress: 54 });
    expect(s.dossiers_by_status.returned).toBe(1000);
    expect(s.on_time_rate).toBeCloseTo((900 * 0.95 + 100 * 0.5) / 1000, 10);
    expect(totals([], now).on_time_rate).toBeNull();
    expect(totals([byCode('13318')], now).on_time_rate).toBeNull();
  });

  it('mark a commune stale when never seen or unseen for a day', () => {
    expect(isStale(byCode('13285'), now)).toBe(false);
    expect(isStale(byCode('13291'), now)).toBe(true);
    expect(isStale(byCode('13318'), now)).toBe(true);
  });

  it('need attention for staleness, overdue dossiers, a wrong clock or a backlog', () => {
    const want: Record<string, boolean> = { '13285': true, '13291': true, '13318': true, '14701': true };
    for (const c of items) expect(needsAttention(c, now), c.code).toBe(want[c.code]);
    const fine = normalise({ ...communesJSON.items[0], overdue: 0 });
    expect(needsAttention(fine, now)).toBe(false);
  });

  it('read a partial item from another hub version without breaking', () => {
    const c = normalise({ code: '99999' });
    expect(c).toEqual({ code: '99999', name: '', last_seen: null, commands: 0, dossiers_by_status: {}, on_time_rate: null,
      version: '', unsent: 0, clock_skew_ms: 0, overdue: 0 });
  });

  it('read the digitising of a commune\'s old books from the drill-down (registers)', () => {
    const c = normalise({ code: '14701', digitising: { books: [], total: { pages: 12, entries: 40, verified: 38, disputed: 2 } } });
    expect(c.digitising).toEqual({ pages: 12, entries: 40, verified: 38, disputed: 2 });
    expect(normalise({ code: '14701', digitising: 'x' }).digitising).toBeUndefined();
  });

  it.each([
    ['name', false, ['13318', '13285', '13291', '14701']], // Châu Sơn, Phủ Lý, Phù Vân: diacritics ignored
    ['overdue', true, ['13285', '13291', '13318', '14701']],
    ['unsent', true, ['13291', '13285', '13318', '14701']],
    ['last_seen', true, ['14701', '13285', '13291', '13318']],
    ['clock_skew_ms', true, ['14701', '13291', '13285', '13318']],
    ['on_time_rate', true, ['13285', '13291', '13318', '14701']],
    ['dossiers', true, ['13285', '13291', '14701', '13318']],
  ] as const)('sort by %s (descending %s)', (key, desc, want) => {
    expect(sortCommunes(items, key, desc).map((c) => c.code)).toEqual(want);
  });

  it('filter by name without diacritics, by code, and by attention', () => {
    expect(filterCommunes(items, 'phu van', 'all', now).map((c) => c.code)).toEqual(['13291']);
    expect(filterCommunes(items, 'PHỦ LÝ', 'all', now).map((c) => c.code)).toEqual(['13285']);
    expect(filterCommunes(items, '147', 'all', now).map((c) => c.code)).toEqual(['14701']);
    expect(filterCommunes(items, '', 'attention', now)).toHaveLength(4);
  });

  it('handle the whole province (129 communes) in a few milliseconds', () => {
    const many: CommuneItem[] = [];
    for (let i = 0; i < 129; i++) {
      many.push(normalise({ ...communesJSON.items[i % 4], code: String(13000 + i), name: 'Xã ' + i }));
    }
    const start = performance.now();
    for (let i = 0; i < 10; i++) {
      totals(many, now);
      sortCommunes(filterCommunes(many, 'xa 1', 'all', now), 'name', false);
    }
    expect((performance.now() - start) / 10).toBeLessThan(20);
  });
});

describe('texts', () => {
  it('say how long ago a commune synced', () => {
    expect(agoText(vi, '2026-12-04T09:58:00+07:00', now)).toBe('2 phút trước');
    expect(agoText(vi, '2026-12-02T08:00:00+07:00', now)).toBe('2 ngày trước');
    expect(agoText(en, '2026-12-04T09:59:30+07:00', now)).toBe('30 seconds ago');
    expect(agoText(vi, null, now)).toBe('Chưa đồng bộ');
    expect(agoText(en, 'not a time', now)).toBe('Never synced');
  });

  it('say how far a clock is off, in step under two minutes', () => {
    expect(skewText(vi, 1500)).toBe('khớp');
    expect(skewText(vi, -600000)).toBe('chậm 10 phút');
    expect(skewText(en, 7200000)).toBe('2 h fast');
    expect(span(3 * 86400000)).toEqual({ key: 'unit.days', n: 3 });
  });

  it('format rates', () => {
    expect(rateText(0.954)).toBe('95%');
    expect(rateText(null)).toBe('—');
  });
});

describe('dossiers', () => {
  const ds = dossiersJSON.items as HubDossier[];
  it('trust the node’s overdue flag, else compare the due date of an open dossier', () => {
    expect(ds.map((d) => isOverdue(d, now))).toEqual([true, true, false]);
    expect(isOverdue({ code: 'x', status: 'supplement_requested', due_at: '2026-01-01T00:00:00+07:00' }, now)).toBe(false);
    expect(isOverdue({ code: 'x', status: 'processing', overdue: false, due_at: '2026-01-01T00:00:00+07:00' }, now)).toBe(false);
  });
});
