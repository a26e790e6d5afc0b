import { describe, expect, it } from 'vitest';
import { copiesLine, offLine, officeLine, uplinkLine } from './office';
import type { Health } from './types';

const h = (over: Partial<Health>): Health => ({ status: 'ok', ...over });

describe('the status bar in an official’s words', () => {
  it('a PC alone is normal: data saved here, nothing about copies', () => {
    const alone = h({ cluster: { state: 'alone', members: 1 }, unreplicated: 9 });
    expect(officeLine(alone)).toEqual({ key: 'sb.alone', warn: false });
    expect(copiesLine(alone)).toBeNull();
  });
  it('with other PCs, changes not yet copied are a warning', () => {
    const two = h({ cluster: { state: 'follower', members: 2 }, unreplicated: 3 });
    expect(officeLine(two)).toEqual({ key: 'sb.office', params: { n: 2 }, warn: false });
    expect(copiesLine(two)).toEqual({ key: 'sb.office.unsent', params: { n: 3 }, warn: true });
    expect(copiesLine({ ...two, unreplicated: 0 })?.key).toBe('sb.office.saved');
  });
  it('no province configured (or no word of it) says nothing', () => {
    expect(uplinkLine(h({ uplink: { online: false, unsent: 12 } }))).toBeNull();
    expect(uplinkLine(h({ uplink: { online: false, unsent: 12, configured: false } }))).toBeNull();
  });
  it('a configured province says when it last took the data', () => {
    expect(uplinkLine(h({ uplink: { online: true, unsent: 0, configured: true, last_sync: '2026-12-04T02:30:00Z' } }))).toEqual({
      key: 'sb.uplink.sent',
      params: { at: '04/12/2026 09:30' },
      warn: false,
    });
    expect(uplinkLine(h({ uplink: { online: false, unsent: 4, configured: true, last_sync: null } }))).toEqual({
      key: 'sb.uplink.waiting',
      params: { n: 4 },
      warn: true,
    });
  });
});

describe('desk day: PCs that are off, by their names', () => {
  it('names one PC off, by its name or else its ID; says nothing when all answer or alone', () => {
    const on = h({ cluster: { state: 'leader', members: 3 } });
    expect(offLine(on)).toBeNull();
    const one = h({ cluster: { state: 'leader', members: 3, off: [{ node_id: 'n1', name: 'Tiếp nhận 2' }] } });
    expect(offLine(one)).toEqual({ key: 'sb.pc.off', params: { name: 'Tiếp nhận 2' }, warn: true });
    const two = h({ cluster: { state: 'leader', members: 3, off: [{ node_id: 'n1', name: 'Tiếp nhận 2' }, { node_id: 'n2' }] } });
    expect(offLine(two)).toEqual({ key: 'sb.pcs.off', params: { n: 2, names: 'Tiếp nhận 2, n2' }, warn: true });
    expect(offLine(h({ cluster: { state: 'alone', members: 1, off: [{ node_id: 'n1' }] } }))).toBeNull();
  });
});
