// Keyboard shortcuts of the desk. Function keys work everywhere; "/" only when
// the focus is not in a text field (there it types a slash).

export interface Shortcuts {
  newDossier(): void; // F2
  queues(): void; // F3
  dashboard(): void; // F4
  search(): void; // "/"
  print(): void; // F9
  back(): void; // Escape
}

export function isEditable(el: EventTarget | null): boolean {
  if (typeof HTMLElement === 'undefined' || !(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(el.type);
  }
  return false;
}

/** handle runs the shortcut for e, if any, and tells whether it did. */
export function handle(e: KeyboardEvent, s: Shortcuts): boolean {
  if (e.altKey || e.ctrlKey || e.metaKey) return false;
  let f: (() => void) | null = null;
  switch (e.key) {
    case 'F2':
      f = s.newDossier;
      break;
    case 'F3':
      f = s.queues;
      break;
    case 'F4':
      f = s.dashboard;
      break;
    case 'F9':
      f = s.print;
      break;
    case '/':
      if (!isEditable(e.target)) f = s.search;
      break;
    case 'Escape':
      if (!e.defaultPrevented) f = s.back;
      break;
  }
  if (!f) return false;
  e.preventDefault();
  f();
  return true;
}
