// How the UI names a dossier to the API and in links. A dossier's code is
// what the citizen holds, but two PCs set up apart can issue the same code
// (the server flags both with code_clash); such a dossier is named by its
// ID, or a call would reach the other one.

import type { Dossier } from './types';

/** DossierKey is the part of a dossier that names it. */
export type DossierKey = Pick<Dossier, 'code' | 'id' | 'code_clash'>;

/** dossierRef is how the API names d: its code, or its ID while another dossier bears the same code. */
export function dossierRef(d: DossierKey): string {
  return d.code_clash && d.id ? d.id : d.code;
}

/**
 * who is an official's full name as the dossier's names give it, else the
 * login name; portal names the province's online portal, which acts as
 * "hub:<user>" on dossiers filed online (desk day).
 */
export function who(d: Pick<Dossier, 'names'> | null | undefined, username: string | undefined, portal = ''): string {
  if (!username) return '';
  return d?.names?.[username] || (portal && username.startsWith('hub:') ? portal : username);
}

/** formFileName is the name of form nn of d as a file; a clashing code gets the ID too, so the two stay apart. */
export function formFileName(d: DossierKey, nn: string): string {
  return d.code_clash && d.id ? `${d.code}-${d.id}-${nn}.pdf` : `${d.code}-${nn}.pdf`;
}
