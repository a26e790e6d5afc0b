import { describe, expect, it } from 'vitest';
import { dossierRef, formFileName, who } from './dossier';

describe('dossierRef', () => {
  it('names a dossier by its code, or by its ID while its code is shared', () => {
    const d = { code: '000.00.31.H42-260302-0001', id: '0123abcd', status: 'received' } as never;
    expect(dossierRef(d)).toBe('000.00.31.H42-260302-0001');
    expect(dossierRef({ ...(d as object), code_clash: true } as never)).toBe('0123abcd');
  });
  it.each([
    ['no clash', { code: 'A-1', id: 'x1' }, 'A-1'],
    ['no clash, no ID', { code: 'A-1' }, 'A-1'],
    ['a clash', { code: 'A-1', id: 'x1', code_clash: true }, 'x1'],
    // an old server that flags the clash but sends no ID: the code is all there is
    ['a clash without an ID', { code: 'A-1', code_clash: true }, 'A-1'],
  ])('with %s', (_, d, want) => {
    expect(dossierRef(d)).toBe(want);
  });
});

describe('formFileName', () => {
  it('names a form file by code, and adds the ID when the code is shared', () => {
    expect(formFileName({ code: 'A-1', id: 'x1' }, '01')).toBe('A-1-01.pdf');
    expect(formFileName({ code: 'A-1', id: 'x1', code_clash: true }, '06')).toBe('A-1-x1-06.pdf');
  });
});

describe('desk day: who took a step', () => {
  it('names an official by full name, the online portal by its name, else the login name', () => {
    const d = { names: { 'thu.lt': 'Lê Thị Thu' } };
    expect(who(d, 'thu.lt', 'Cổng dịch vụ công')).toBe('Lê Thị Thu');
    expect(who(d, 'hub:admin', 'Cổng dịch vụ công')).toBe('Cổng dịch vụ công');
    expect(who(d, 'hub:admin')).toBe('hub:admin');
    expect(who(d, 'other')).toBe('other');
  });
});
