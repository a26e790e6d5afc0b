import { describe, expect, it } from 'vitest';
import { idPart, isoToDmy, looksLikeQr, qrComplete } from './qr';

describe('looksLikeQr', () => {
  it.each([
    ['037190001234|', true],
    ['037190001234|164512345|Ngu', true],
    ['  037190001234||Trần Văn Đức|29022000|Nam|Số 1|01012022', true],
    ['164512345|x', true],
    ['037190001234', false],
    ['12345678|', false],
    ['0371900012345|a', true],
    ['Nguyễn|', false],
    ['', false],
  ])('%s → %s', (s, want) => {
    expect(looksLikeQr(s)).toBe(want);
  });
});

describe('idPart', () => {
  it('keeps the first field', () => {
    expect(idPart('037190001234|164512345|Nguyễn Thị Hoa')).toBe('037190001234');
    expect(idPart(' 0371900 |x')).toBe('0371900');
    expect(idPart('037190001234')).toBe('037190001234');
  });
});

describe('isoToDmy', () => {
  it.each([
    ['1990-03-05', '05/03/1990'],
    ['', ''],
    ['05/03/1990', '05/03/1990'],
  ])('%s → %s', (s, want) => {
    expect(isoToDmy(s)).toBe(want);
  });
});

describe('qrComplete', () => {
  const full = '037190001234|164512345|Nguyễn Thị Hoà|05031990|Nữ|Thôn Yên Hòa, Yên Mô|15082021';
  it('needs all seven fields and the whole issue date', () => {
    expect(qrComplete(full)).toBe(true);
    expect(qrComplete(full + '\r\n')).toBe(true);
    expect(qrComplete(full.slice(0, -1))).toBe(false);
    expect(qrComplete('037190001234|164512345|Nguyễn Thị Hoà|05031990|Nữ|Thôn')).toBe(false);
    expect(qrComplete('037190001234|164512345|Nguyễn')).toBe(false);
  });
  it('takes the 11-field form of cards issued since 2024', () => {
    expect(qrComplete(full + '||||')).toBe(true);
    expect(looksLikeQr(full + '||||\r')).toBe(true);
    expect(idPart(full + '||||')).toBe('037190001234');
  });
});
