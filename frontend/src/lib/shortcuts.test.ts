import { describe, expect, it } from 'vitest';
import { handle, type Shortcuts } from './shortcuts';

function recorder() {
  const calls: string[] = [];
  const s: Shortcuts = {
    newDossier: () => calls.push('new'),
    queues: () => calls.push('queues'),
    dashboard: () => calls.push('dashboard'),
    search: () => calls.push('search'),
    print: () => calls.push('print'),
    back: () => calls.push('back'),
  };
  return { s, calls };
}

// A KeyboardEvent as handle() reads it (the tests run without a DOM).
function key(k: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean; defaultPrevented: boolean }> = {}) {
  let prevented = mods.defaultPrevented ?? false;
  return {
    key: k,
    altKey: false,
    ctrlKey: false,
    metaKey: false,
    target: null,
    ...mods,
    get defaultPrevented() {
      return prevented;
    },
    preventDefault() {
      prevented = true;
    },
  } as unknown as KeyboardEvent;
}

describe('shortcuts', () => {
  it.each([
    ['F2', 'new'],
    ['F3', 'queues'],
    ['F4', 'dashboard'],
    ['F9', 'print'],
    ['Escape', 'back'],
  ])('%s runs %s and cancels the key', (k, want) => {
    const { s, calls } = recorder();
    const e = key(k);
    expect(handle(e, s)).toBe(true);
    expect(calls).toEqual([want]);
    expect(e.defaultPrevented).toBe(true);
  });

  it('leaves other keys and modified keys alone', () => {
    const { s, calls } = recorder();
    for (const e of [key('a'), key('Enter'), key('F2', { ctrlKey: true }), key('F4', { altKey: true })]) {
      expect(handle(e, s)).toBe(false);
      expect(e.defaultPrevented).toBe(false);
    }
    expect(calls).toEqual([]);
  });

  it('does not go back on an Escape something else handled', () => {
    const { s, calls } = recorder();
    expect(handle(key('Escape', { defaultPrevented: true }), s)).toBe(false);
    expect(calls).toEqual([]);
  });

  it('searches on / outside text fields', () => {
    const { s, calls } = recorder();
    expect(handle(key('/'), s)).toBe(true);
    expect(calls).toEqual(['search']);
  });
});
