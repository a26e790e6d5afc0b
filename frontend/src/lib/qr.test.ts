import { describe, expect, it } from 'vitest';
import { ddmmyyyy, looksLikeQr, parseIdCardQr } from './qr';

describe('parseIdCardQr', () => {
  it('reads a chip ID card QR string', () => {
    const c = parseIdCardQr('037190001234|164512345|Nguyễn Thị Hoa|05031990|Nữ|Thôn Yên Hòa, Yên Mô, Ninh Bình|15082021');
    expect(c).toEqual({
      id_number: '037190001234',
      old_id: '164512345',
      full_name: 'Nguyễn Thị Hoa',
      date_of_birth: '1990-03-05',
      sex: 'Nữ',
      address: 'Thôn Yên Hòa, Yên Mô, Ninh Bình',
      issued_on: '2021-08-15',
    });
  });

  it('accepts an empty old ID, a trailing newline and extra fields', () => {
    const c = parseIdCardQr('001099012345||Trần  Văn Đức|29022000|Nam|Số 1 phố Huế|01012022|extra\r\n');
    expect(c?.old_id).toBe('');
    expect(c?.full_name).toBe('Trần Văn Đức');
    expect(c?.date_of_birth).toBe('2000-02-29');
  });

  it.each([
    ['too few fields', '037190001234|164512345|Nguyễn Thị Hoa|05031990|Nữ|Thôn'],
    ['ID not 12 digits', '03719000123|164512345|Nguyễn Thị Hoa|05031990|Nữ|Thôn|15082021'],
    ['bad old ID', '037190001234|16451234X|Nguyễn Thị Hoa|05031990|Nữ|Thôn|15082021'],
    ['empty name', '037190001234|164512345| |05031990|Nữ|Thôn|15082021'],
    ['impossible birth date', '037190001234|164512345|Nguyễn Thị Hoa|31021990|Nữ|Thôn|15082021'],
    ['birth date not 8 digits', '037190001234|164512345|Nguyễn Thị Hoa|5031990|Nữ|Thôn|15082021'],
    ['not a QR at all', '037190001234'],
  ])('rejects %s', (_, s) => {
    expect(parseIdCardQr(s)).toBeNull();
  });
});

describe('looksLikeQr', () => {
  it.each([
    ['037190001234|', true],
    ['037190001234|164512345|Ngu', true],
    ['164512345|x', true],
    ['037190001234', false],
    ['Nguyễn|', false],
    ['', false],
  ])('%s → %s', (s, want) => {
    expect(looksLikeQr(s)).toBe(want);
  });
});

describe('ddmmyyyy', () => {
  it.each([
    ['05031990', '1990-03-05'],
    ['29022001', ''],
    ['00012000', ''],
    ['1990-03-05', ''],
  ])('%s → %s', (s, want) => {
    expect(ddmmyyyy(s)).toBe(want);
  });
});
