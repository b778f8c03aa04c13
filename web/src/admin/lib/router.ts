// The dashboard's pages under /admin, as a tiny history-based router: parse a
// location into a Route, format a Route back into a path, and a Navigator
// over the History API (injected, so it is tested without a browser).

export type Route =
  | { page: 'dashboard' }
  | { page: 'reports'; reportId: number | null }
  | { page: 'blocks' }
  | { page: 'appeals' }
  | { page: 'reputation'; ip: string | null; device: string | null }
  | { page: 'audit'; target: string | null }
  | { page: 'watch-list' }
  | { page: 'accounts' }
  | { page: 'not-found' };

export const BASE = '/admin';

export function parseRoute(pathname: string, search = ''): Route {
  // /admin.html is the file itself (opened directly before the server maps /admin).
  let path = pathname === '/admin.html' ? BASE : pathname;
  path = path.replace(/\/+$/, '');
  if (path !== BASE && !path.startsWith(BASE + '/')) return { page: 'not-found' };
  const segs = path.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(search);
  const [first, second, ...rest] = segs;
  if (rest.length > 0) return { page: 'not-found' };
  switch (first) {
    case undefined:
      return { page: 'dashboard' };
    case 'reports': {
      if (second === undefined) return { page: 'reports', reportId: null };
      const id = Number(second);
      return Number.isSafeInteger(id) && id > 0 ? { page: 'reports', reportId: id } : { page: 'not-found' };
    }
    case 'blocks':
    case 'appeals':
    case 'watch-list':
    case 'accounts':
      return second === undefined ? { page: first } : { page: 'not-found' };
    case 'reputation':
      return second === undefined ? { page: 'reputation', ip: q.get('ip') || null, device: q.get('device') || null } : { page: 'not-found' };
    case 'audit':
      return second === undefined ? { page: 'audit', target: q.get('target') || null } : { page: 'not-found' };
    default:
      return { page: 'not-found' };
  }
}

export function routePath(route: Route): string {
  const qs = (params: Record<string, string | null>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    const s = q.toString();
    return s ? '?' + s : '';
  };
  switch (route.page) {
    case 'dashboard':
    case 'not-found':
      return BASE;
    case 'reports':
      return BASE + '/reports' + (route.reportId !== null ? '/' + route.reportId : '');
    case 'reputation':
      return BASE + '/reputation' + qs({ ip: route.ip, device: route.device });
    case 'audit':
      return BASE + '/audit' + qs({ target: route.target });
    default:
      return BASE + '/' + route.page;
  }
}

export interface HistoryEnv {
  location: { pathname: string; search: string };
  history: { pushState(data: unknown, unused: string, url: string): void; replaceState(data: unknown, unused: string, url: string): void };
  addEventListener(type: 'popstate', listener: () => void): void;
  removeEventListener(type: 'popstate', listener: () => void): void;
}

export class Navigator {
  private current: Route;
  private readonly listeners = new Set<() => void>();
  private readonly onPop = () => this.sync();

  constructor(private readonly env: HistoryEnv) {
    this.current = parseRoute(env.location.pathname, env.location.search);
    env.addEventListener('popstate', this.onPop);
  }

  get state(): Route {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Goes to `route` (replace: without a new history entry, e.g. selecting the next report). */
  navigate(route: Route, { replace = false } = {}): void {
    const path = routePath(route);
    if (path !== this.env.location.pathname + this.env.location.search) {
      if (replace) this.env.history.replaceState(null, '', path);
      else this.env.history.pushState(null, '', path);
    }
    this.current = route;
    this.emit();
  }

  dispose(): void {
    this.env.removeEventListener('popstate', this.onPop);
  }

  private sync(): void {
    this.current = parseRoute(this.env.location.pathname, this.env.location.search);
    this.emit();
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }
}
