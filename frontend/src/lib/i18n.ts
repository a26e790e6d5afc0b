// Translation: pure functions (tested in i18n.test.ts) and the two
// dictionaries. The reactive current language lives in state.svelte.ts.

import { en } from './i18n/en';
import { vi, type Key } from './i18n/vi';

export type { Key };
export type Lang = 'vi' | 'en';
export const dictionaries: Record<Lang, Record<Key, string>> = { vi, en };

export type Params = Record<string, string | number>;

/** interpolate replaces {name} placeholders; unknown ones are left as they are. */
export function interpolate(s: string, params?: Params): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/**
 * translate looks key up in lang, then in Vietnamese, and returns the key
 * itself when neither has it (so a dynamic key such as status.<new status>
 * from a newer server still shows something).
 */
export function translate(lang: Lang, key: string, params?: Params): string {
  const d = dictionaries[lang] as Record<string, string>;
  const s = d[key] ?? (vi as Record<string, string>)[key];
  return s === undefined ? key : interpolate(s, params);
}

/** has tells whether a (dynamic) key has a translation. */
export function has(key: string): boolean {
  return key in vi;
}

/** placeholders lists the {names} used in s, sorted. */
export function placeholders(s: string): string[] {
  return Array.from(s.matchAll(/\{(\w+)\}/g), (m) => m[1]).sort();
}

/** parseLang accepts a stored or browser language tag, defaulting to Vietnamese. */
export function parseLang(s: string | null | undefined): Lang {
  return s && s.toLowerCase().startsWith('en') ? 'en' : 'vi';
}
