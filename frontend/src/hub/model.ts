// The provincial dashboard's figures: pure functions over the hub's
// GET /api/v1/communes items, tested in model.test.ts. Nothing here touches
// the DOM or the network, so 129 communes sort and sum in well under a
// millisecond.

import { textKey } from '../lib/textkey';

/** One commune as GET /api/v1/communes returns it. */
export interface CommuneItem {
  code: string;
  name: string;
  /** RFC 3339, or null while the commune has never synced */
  last_seen: string | null;
  commands: number;
  dossiers_by_status: Record<string, number>;
  /** 0..1, or null while no dossier was processed */
  on_time_rate: number | null;
  version: string;
  /** commands the commune had not sent yet when it last synced */
  unsent: number;
  /** the commune's clock minus the hub's, in milliseconds, at its last sync */
  clock_skew_ms: number;
  overdue: number;
  /** registers: the digitising of the commune's old books (drill-down only), summed over its books */
  digitising?: { pages: number; entries: number; verified: number; disputed: number };
}

/** The statuses counted as work in progress (not yet finished). */
export const inProgressStatuses = ['received', 'processing', 'supplement_requested', 'payment_requested'] as const;

/** Every national status, in code order (app/lifecycle.go). */
export const allStatuses = [
  'submitted', 'received', 'refused', 'processing', 'supplement_requested',
  'payment_requested', 'withdrawn', 'stopped', 'result_ready', 'returned',
] as const;

/** Thresholds the page marks: a commune unseen this long, a clock off this much. */
export const STALE_MS = 24 * 3600 * 1000;
export const SKEW_WARN_MS = 2 * 60 * 1000;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * normalise reads one item defensively: a hub of another version may omit a
 * field; the page shows zeros and blanks rather than breaking.
 */
export function normalise(input: unknown): CommuneItem {
  const raw = (input && typeof input === 'object' ? input : {}) as Partial<Record<keyof CommuneItem, unknown>>;
  const by: Record<string, number> = {};
  if (raw.dossiers_by_status && typeof raw.dossiers_by_status === 'object') {
    for (const [k, v] of Object.entries(raw.dossiers_by_status)) by[k] = num(v);
  }
  const rate = raw.on_time_rate;
  const dg = (raw.digitising && typeof raw.digitising === 'object' ? raw.digitising : null) as { total?: Record<string, unknown> } | null;
  const dt = dg?.total && typeof dg.total === 'object' ? dg.total : null;
  return {
    code: typeof raw.code === 'string' || typeof raw.code === 'number' ? String(raw.code) : '',
    name: typeof raw.name === 'string' ? raw.name : '',
    last_seen: typeof raw.last_seen === 'string' && raw.last_seen !== '' ? raw.last_seen : null,
    commands: num(raw.commands),
    dossiers_by_status: by,
    on_time_rate: typeof rate === 'number' && Number.isFinite(rate) ? rate : null,
    version: typeof raw.version === 'string' ? raw.version : '',
    unsent: num(raw.unsent),
    clock_skew_ms: num(raw.clock_skew_ms),
    overdue: num(raw.overdue),
    ...(dt ? { digitising: { pages: num(dt.pages), entries: num(dt.entries), verified: num(dt.verified), disputed: num(dt.disputed) } } : {}),
  };
}

/** total is the number of dossiers of a commune. */
export function total(c: CommuneItem): number {
  let n = 0;
  for (const v of Object.values(c.dossiers_by_status)) n += v;
  return n;
}

/** inProgress counts the dossiers still being worked on. */
export function inProgress(c: CommuneItem): number {
  let n = 0;
  for (const s of inProgressStatuses) n += c.dossiers_by_status[s] ?? 0;
  return n;
}

/** The province's row: sums, and the on-time rate weighted by returned dossiers. */
export interface Totals {
  communes: number;
  seen: number;
  stale: number;
  commands: number;
  unsent: number;
  overdue: number;
  dossiers: number;
  in_progress: number;
  dossiers_by_status: Record<string, number>;
  on_time_rate: number | null;
}

/**
 * totals sums the communes. The on-time rate of the province is each
 * commune's rate weighted by its returned dossiers (a commune with none
 * weighs nothing); null when no commune has a rate.
 */
export function totals(items: CommuneItem[], now: number): Totals {
  const t: Totals = {
    communes: items.length, seen: 0, stale: 0, commands: 0, unsent: 0, overdue: 0,
    dossiers: 0, in_progress: 0, dossiers_by_status: {}, on_time_rate: null,
  };
  let weight = 0;
  let weighted = 0;
  for (const c of items) {
    if (c.last_seen) t.seen++;
    if (isStale(c, now)) t.stale++;
    t.commands += c.commands;
    t.unsent += c.unsent;
    t.overdue += c.overdue;
    t.dossiers += total(c);
    t.in_progress += inProgress(c);
    for (const [k, v] of Object.entries(c.dossiers_by_status)) t.dossiers_by_status[k] = (t.dossiers_by_status[k] ?? 0) + v;
    if (c.on_time_rate !== null) {
      const w = c.dossiers_by_status.returned ?? 0;
      weight += w;
      weighted += w * c.on_time_rate;
    }
  }
  if (weight > 0) t.on_time_rate = weighted / weight;
  return t;
}

/** isStale: never seen, or not seen for a day. */
export function isStale(c: CommuneItem, now: number): boolean {
  if (!c.last_seen) return true;
  const t = Date.parse(c.last_seen);
  return Number.isNaN(t) || now - t > STALE_MS;
}

/** skewWarn: the commune's clock is off the hub's by two minutes or more. */
export function skewWarn(c: CommuneItem): boolean {
  return Math.abs(c.clock_skew_ms) >= SKEW_WARN_MS;
}

/** An age or a skew in the largest unit that reads at a glance. */
export interface Span {
  key: 'hub.unit.seconds' | 'unit.minutes' | 'unit.hours' | 'unit.days';
  n: number;
}

/** span expresses a duration (ms, sign ignored) in seconds, minutes, hours or days. */
export function span(ms: number): Span {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return { key: 'hub.unit.seconds', n: s };
  const m = Math.round(s / 60);
  if (m < 120) return { key: 'unit.minutes', n: m };
  const h = Math.round(m / 60);
  if (h < 48) return { key: 'unit.hours', n: h };
  return { key: 'unit.days', n: Math.round(h / 24) };
}

export type SortKey =
  | 'name' | 'last_seen' | 'unsent' | 'version' | 'clock_skew_ms'
  | 'dossiers' | 'in_progress' | 'overdue' | 'on_time_rate';

function sortValue(c: CommuneItem, k: SortKey): number | string {
  switch (k) {
    case 'name': return textKey(c.name || c.code);
    case 'last_seen': return c.last_seen ? Date.parse(c.last_seen) || 0 : -1;
    case 'unsent': return c.unsent;
    case 'version': return c.version;
    case 'clock_skew_ms': return Math.abs(c.clock_skew_ms);
    case 'dossiers': return total(c);
    case 'in_progress': return inProgress(c);
    case 'overdue': return c.overdue;
    case 'on_time_rate': return c.on_time_rate ?? -1;
  }
}

/** sortCommunes returns a sorted copy; ties fall back to the commune code. */
export function sortCommunes(items: CommuneItem[], k: SortKey, desc: boolean): CommuneItem[] {
  const keyed = items.map((c) => ({ c, v: sortValue(c, k) }));
  keyed.sort((a, b) => {
    let r = 0;
    if (typeof a.v === 'number' && typeof b.v === 'number') r = a.v - b.v;
    else r = String(a.v) < String(b.v) ? -1 : String(a.v) > String(b.v) ? 1 : 0;
    if (desc) r = -r;
    return r !== 0 ? r : a.c.code < b.c.code ? -1 : a.c.code > b.c.code ? 1 : 0;
  });
  return keyed.map((x) => x.c);
}

/** Which communes the table shows. */
export type Show = 'all' | 'attention';

/**
 * needsAttention: a commune IT should look at today — unseen for a day,
 * overdue dossiers, a wrong clock, or a backlog it could not send.
 */
export function needsAttention(c: CommuneItem, now: number): boolean {
  return isStale(c, now) || c.overdue > 0 || skewWarn(c) || c.unsent > 0;
}

/** filterCommunes keeps the communes whose name or code matches q (diacritics ignored). */
export function filterCommunes(items: CommuneItem[], q: string, show: Show, now: number): CommuneItem[] {
  const k = textKey(q);
  return items.filter((c) => {
    if (show === 'attention' && !needsAttention(c, now)) return false;
    if (k === '') return true;
    return c.code.includes(k) || textKey(c.name).includes(k);
  });
}

/** A dossier as the hub returns it from a commune (the node's shape; what the list shows). */
export interface HubDossier {
  id?: string;
  code: string;
  status: string;
  procedure_code?: string;
  procedure?: { code: string; name: string };
  applicant?: { full_name?: string };
  received_at?: string;
  due_at?: string;
  overdue?: boolean;
}

const terminal = new Set(['refused', 'withdrawn', 'stopped', 'returned']);

/**
 * isOverdue: the node's own flag when it sent one, else an open dossier
 * (not finished, not waiting for the citizen's papers) past its due date.
 */
export function isOverdue(d: HubDossier, now: number): boolean {
  if (typeof d.overdue === 'boolean') return d.overdue;
  if (terminal.has(d.status) || d.status === 'result_ready' || d.status === 'supplement_requested') return false;
  const due = d.due_at ? Date.parse(d.due_at) : NaN;
  return !Number.isNaN(due) && due < now;
}

/** A translation function (HubState.t). */
export type T = (key: string, params?: Record<string, string | number>) => string;

/** agoText says how long ago a commune last synced ("3 giờ trước"), or that it never did. */
export function agoText(t: T, lastSeen: string | null, now: number): string {
  if (!lastSeen) return t('hub.never');
  const at = Date.parse(lastSeen);
  if (Number.isNaN(at)) return t('hub.never');
  const s = span(Math.max(0, now - at));
  return t('hub.ago', { span: t(s.key, { n: s.n }) });
}

/** skewText says how far the commune's clock is off the hub's ("chậm 5 phút"); in step under two minutes. */
export function skewText(t: T, ms: number): string {
  if (Math.abs(ms) < SKEW_WARN_MS) return t('hub.skew.ok');
  const s = span(ms);
  return t(ms > 0 ? 'hub.skew.fast' : 'hub.skew.slow', { span: t(s.key, { n: s.n }) });
}

/** rateText formats an on-time rate as a whole percentage, or a dash. */
export function rateText(r: number | null): string {
  return r === null ? '—' : Math.round(r * 100) + '%';
}
