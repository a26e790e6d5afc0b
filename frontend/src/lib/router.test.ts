import { describe, expect, it } from 'vitest';
import { home, href, parse, type Route } from './router';

describe('router', () => {
  it.each<[string, Route | null]>([
    ['#/desk', { name: 'desk' }],
    ['#/queues/overdue', { name: 'queues', queue: 'overdue', q: '' }],
    ['#/queues/bogus', { name: 'queues', queue: 'mine', q: '' }],
    ['#/queues?q=nguyen%20van', { name: 'queues', queue: '', q: 'nguyen van' }],
    ['#/dossiers/000.00.31.H42-250701-0001', { name: 'dossier', code: '000.00.31.H42-250701-0001' }],
    ['#/dossiers', null],
    ['#/dashboard', { name: 'dashboard' }],
    ['#/reports', { name: 'reports' }],
    ['#/reports/', { name: 'reports' }],
    ['#/reports?from=2026-01-01', { name: 'reports' }],
    ['#/registers', { name: 'registers', id: '', q: '' }],
    ['#/registers/birth-2026?q=le%20thi', { name: 'registers', id: 'birth-2026', q: 'le thi' }],
    ['', null],
    ['#/nowhere', null],
  ])('parse(%s)', (h, want) => {
    expect(parse(h)).toEqual(want);
  });

  it('round-trips href and parse', () => {
    const routes: Route[] = [
      { name: 'desk' },
      { name: 'queues', queue: 'due_today', q: '' },
      { name: 'queues', queue: '', q: 'Nguyễn Văn A' },
      { name: 'dossier', code: 'X-250701-0001' },
      { name: 'users' },
      { name: 'dashboard' },
      { name: 'reports' },
      { name: 'registers', id: '', q: '' },
      { name: 'registers', id: 'birth-2026', q: 'Lê Thị' },
    ];
    for (const r of routes) expect(parse(href(r))).toEqual(r);
  });

  it('puts the reports at #/reports', () => {
    expect(href({ name: 'reports' })).toBe('#/reports');
  });

  it('sends each role home', () => {
    expect(home(['receiver'])).toEqual({ name: 'desk' });
    expect(home(['specialist'])).toEqual({ name: 'queues', queue: 'mine', q: '' });
    expect(home(['admin'])).toEqual({ name: 'users' });
    expect(home([])).toEqual({ name: 'dashboard' });
  });
});
