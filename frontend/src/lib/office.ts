// What the status bar says about the office's PCs and the province, in an
// official's words. A PC working alone is the normal one-PC office (its data
// is saved on it, nothing waits for another PC); the province link is spoken
// of only once configured, a missing "configured" meaning none.

import { dateTime } from './format';
import type { Health } from './types';

/** Line is an i18n key with its parameters, and whether it is a warning. */
export interface Line {
  key: string;
  params?: Record<string, string | number>;
  warn: boolean;
}

/** inOffice tells whether this PC works with others (a cluster not alone). */
export function inOffice(h: Health | null | undefined): boolean {
  return !!h?.cluster && h.cluster.state !== 'alone';
}

/** officeLine names the PCs' state: alone, joining, or with n PCs. */
export function officeLine(h: Health | null | undefined): Line | null {
  const c = h?.cluster;
  if (!c) return null;
  if (c.state === 'alone') return { key: 'sb.alone', warn: false };
  if (c.state === 'candidate') return { key: 'sb.office.joining', warn: true };
  return { key: 'sb.office', params: { n: c.members }, warn: false };
}

/** copiesLine says whether this PC's changes reached the other PCs; null when alone. */
export function copiesLine(h: Health | null | undefined): Line | null {
  if (!inOffice(h)) return null;
  const n = h?.unreplicated ?? 0;
  return n > 0 ? { key: 'sb.office.unsent', params: { n }, warn: true } : { key: 'sb.office.saved', warn: false };
}

/** uplinkLine says how the province link stands; null when no province is configured. */
export function uplinkLine(h: Health | null | undefined): Line | null {
  const u = h?.uplink;
  if (!u || u.configured !== true) return null;
  if (u.online) return u.last_sync ? { key: 'sb.uplink.sent', params: { at: dateTime(u.last_sync) }, warn: false } : { key: 'sb.uplink.online', warn: false };
  return u.unsent > 0 ? { key: 'sb.uplink.waiting', params: { n: u.unsent }, warn: true } : { key: 'sb.uplink.idle', warn: false };
}

/**
 * offLine names the office's PCs that are off (desk day): "Máy Tiếp nhận 2
 * đang tắt" by the name officials gave it, its node ID when it has none;
 * null when every PC answers.
 */
export function offLine(h: Health | null | undefined): Line | null {
  const off = h?.cluster?.off ?? [];
  if (!inOffice(h) || off.length === 0) return null;
  const names = off.map((p) => p.name || p.node_id);
  if (names.length === 1) return { key: 'sb.pc.off', params: { name: names[0] }, warn: true };
  return { key: 'sb.pcs.off', params: { n: names.length, names: names.join(', ') }, warn: true };
}
