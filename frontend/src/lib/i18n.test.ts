import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { vi } from './i18n/vi';
import { has, interpolate, parseLang, placeholders, translate } from './i18n';

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(vi).sort());
  });
  it('use the same placeholders in both languages', () => {
    for (const k of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(placeholders(en[k]), k).toEqual(placeholders(vi[k]));
    }
  });
  it('have no empty text', () => {
    for (const [k, v] of [...Object.entries(vi), ...Object.entries(en)]) expect(v.trim(), k).not.toBe('');
  });
  it('name every national status and every action of the API', () => {
    const statuses = ['submitted', 'received', 'refused', 'processing', 'supplement_requested', 'payment_requested', 'withdrawn', 'stopped', 'result_ready', 'returned'];
    const actions = ['receive', 'refuse', 'forward', 'request_supplement', 'supplement', 'request_payment', 'paid', 'stop', 'resolve', 'return', 'withdraw', 'apologize', 'extend', 'hand_over'];
    for (const s of statuses) expect(has('status.' + s), s).toBe(true);
    for (const a of actions) expect(has('action.' + a), a).toBe(true);
  });
  it('is Vietnamese text in vi', () => {
    expect(vi['status.returned']).toBe('Đã trả kết quả');
    expect(vi['login.submit']).toBe('Đăng nhập');
  });
});

describe('translate', () => {
  it('picks the language and fills placeholders', () => {
    expect(translate('vi', 'sb.unreplicated', { n: 3 })).toBe('3 thay đổi chưa đồng bộ');
    expect(translate('en', 'sb.unreplicated', { n: 3 })).toBe('3 changes not replicated');
  });
  it('falls back to the key for unknown (dynamic) keys', () => {
    expect(translate('en', 'status.some_new_status')).toBe('status.some_new_status');
  });
  it('leaves unknown placeholders alone', () => {
    expect(interpolate('{a} và {b}', { a: 1 })).toBe('1 và {b}');
  });
});

describe('parseLang', () => {
  it.each([
    [null, 'vi'],
    ['vi-VN', 'vi'],
    ['en-US', 'en'],
    ['EN', 'en'],
    ['fr', 'vi'],
  ])('%s → %s', (s, want) => {
    expect(parseLang(s)).toBe(want);
  });
});
