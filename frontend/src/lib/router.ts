// Hash routes: they need no server fallback and work the same under the
// Wails AssetServer and `xaso serve`.

export type Route =
  | { name: 'desk' }
  | { name: 'queues'; queue: string; q: string }
  | { name: 'dossier'; code: string }
  | { name: 'dashboard' }
  | { name: 'reports' }
  | { name: 'users' }
  | { name: 'registers'; id: string; q: string };

export const queues = ['mine', 'due_today', 'overdue', 'supplement', 'to_return', 'online', 'open'] as const;

/** parse reads a location hash such as "#/dossiers/ABC" into a Route. */
export function parse(hash: string): Route | null {
  const raw = hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?', 2);
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case 'desk':
      return { name: 'desk' };
    case 'queues': {
      const q = params.get('q') ?? '';
      const queue = parts[1] ?? (q ? '' : 'mine');
      return { name: 'queues', queue: (queues as readonly string[]).includes(queue) ? queue : q ? '' : 'mine', q };
    }
    case 'dossiers':
      return parts[1] ? { name: 'dossier', code: parts[1] } : null;
    case 'dashboard':
      return { name: 'dashboard' };
    case 'reports':
      return { name: 'reports' };
    case 'users':
      return { name: 'users' };
    case 'registers':
      return { name: 'registers', id: parts[1] ?? '', q: params.get('q') ?? '' };
    default:
      return null;
  }
}

/** href builds the hash for a Route. */
export function href(r: Route): string {
  switch (r.name) {
    case 'desk':
      return '#/desk';
    case 'queues':
      return r.q ? '#/queues?q=' + encodeURIComponent(r.q) : '#/queues/' + (r.queue || 'mine');
    case 'dossier':
      return '#/dossiers/' + encodeURIComponent(r.code);
    case 'dashboard':
      return '#/dashboard';
    case 'reports':
      return '#/reports';
    case 'users':
      return '#/users';
    case 'registers':
      return '#/registers' + (r.id ? '/' + encodeURIComponent(r.id) : '') + (r.q ? '?q=' + encodeURIComponent(r.q) : '');
  }
}

/** home is where a user lands after signing in, by role. */
export function home(roles: readonly string[]): Route {
  if (roles.includes('receiver')) return { name: 'desk' };
  if (roles.includes('specialist') || roles.includes('leader')) return { name: 'queues', queue: 'mine', q: '' };
  if (roles.includes('admin')) return { name: 'users' };
  return { name: 'dashboard' };
}
