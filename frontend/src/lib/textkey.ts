// Diacritic-insensitive matching for Vietnamese text.
//
// Officials type "dang ky khai sinh" or "khai sinh" and expect "Đăng ký khai
// sinh"; old and new tone placement ("hoà" / "hòa") must match too. The text
// key removes every combining mark after NFD decomposition and maps đ/Đ (which
// has no decomposition) to d.

const marks = /[\u0300-\u036f]/g;

/** textKey returns s lower-cased, without diacritics, with collapsed spaces. */
export function textKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(marks, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** tokens splits a query into the words of its text key. */
export function tokens(q: string): string[] {
  const f = textKey(q);
  return f === '' ? [] : f.split(' ');
}

/**
 * score tells how well every word of the query matches the haystack:
 * -1 when some word is missing, otherwise higher is better (words that start
 * a word of the haystack count more, the whole query as a phrase most).
 */
export function score(query: string[], hay: string): number {
  if (query.length === 0) return 0;
  let s = 0;
  for (const w of query) {
    const i = hay.indexOf(w);
    if (i < 0) return -1;
    s += i === 0 || hay[i - 1] === ' ' || hay[i - 1] === '.' ? 3 : 1;
  }
  if (query.length > 1 && hay.includes(query.join(' '))) s += 5;
  return s;
}

export interface Searchable {
  /** text key to match against, built once with textKey(). */
  hay: string;
}

/**
 * search returns the items that match every word of q, best first; items
 * with equal scores keep their order. An empty query returns all items.
 */
export function search<T extends Searchable>(items: readonly T[], q: string): T[] {
  const ws = tokens(q);
  if (ws.length === 0) return items.slice();
  const hits: { item: T; s: number; i: number }[] = [];
  items.forEach((item, i) => {
    const s = score(ws, item.hay);
    if (s >= 0) hits.push({ item, s, i });
  });
  hits.sort((a, b) => b.s - a.s || a.i - b.i);
  return hits.map((h) => h.item);
}
