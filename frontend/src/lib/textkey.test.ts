import { describe, expect, it } from 'vitest';
import { score, search, textKey, tokens } from './textkey';

describe('textKey', () => {
  it.each([
    ['Đăng ký khai sinh', 'dang ky khai sinh'],
    ['NGUYỄN THỊ HỒNG', 'nguyen thi hong'],
    ['Hòa', 'hoa'],
    ['Hoà', 'hoa'], // old tone placement
    ['  Trần   Văn\tĐức ', 'tran van duc'],
    ['Xác nhận tình trạng hôn nhân', 'xac nhan tinh trang hon nhan'],
    ['ưởng', 'uong'],
    ['1.001193', '1.001193'],
    ['', ''],
  ])('%s → %s', (input, want) => {
    expect(textKey(input)).toBe(want);
  });

  it('handles precomposed and decomposed input alike', () => {
    const nfc = 'Nguyễn'.normalize('NFC');
    const nfd = 'Nguyễn'.normalize('NFD');
    expect(nfc).not.toBe(nfd);
    expect(textKey(nfc)).toBe(textKey(nfd));
  });
});

describe('score', () => {
  it('needs every word', () => {
    expect(score(tokens('khai sinh'), textKey('Đăng ký khai sinh'))).toBeGreaterThan(0);
    expect(score(tokens('khai tu'), textKey('Đăng ký khai sinh'))).toBe(-1);
  });
  it('prefers word starts and phrases', () => {
    const hay = textKey('Đăng ký khai sinh');
    expect(score(tokens('kh'), hay)).toBeGreaterThan(score(tokens('hai'), hay));
    expect(score(tokens('khai sinh'), hay)).toBeGreaterThan(score(tokens('sinh khai'), hay));
  });
});

describe('search', () => {
  const items = [
    'Đăng ký khai sinh|1.001193',
    'Đăng ký kết hôn|1.000894',
    'Đăng ký khai tử|1.000656',
    'Xác nhận tình trạng hôn nhân|1.004873',
    'Chứng thực bản sao từ bản chính|2.000815',
  ].map((s) => {
    const [name, code] = s.split('|');
    return { name, code, hay: textKey(name + ' ' + code) };
  });
  const names = (q: string) => search(items, q).map((i) => i.name);

  it('matches without diacritics', () => {
    expect(names('khai sinh')).toEqual(['Đăng ký khai sinh']);
    expect(names('ket hon')).toEqual(['Đăng ký kết hôn']);
  });
  it('matches with diacritics and any case', () => {
    expect(names('KẾT HÔN')).toEqual(['Đăng ký kết hôn']);
  });
  it('ranks better matches first and keeps ties in catalog order', () => {
    expect(names('hon nhan')).toEqual(['Xác nhận tình trạng hôn nhân']);
    expect(names('hon')).toEqual(['Đăng ký kết hôn', 'Xác nhận tình trạng hôn nhân']);
    expect(names('dang ky')).toEqual(['Đăng ký khai sinh', 'Đăng ký kết hôn', 'Đăng ký khai tử']);
  });
  it('matches procedure codes', () => {
    expect(names('1.000656')).toEqual(['Đăng ký khai tử']);
  });
  it('returns everything for an empty query and nothing for a miss', () => {
    expect(names('  ')).toHaveLength(items.length);
    expect(names('ly hon')).toEqual([]);
  });
});
