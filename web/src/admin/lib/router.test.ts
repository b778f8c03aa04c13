import { describe, expect, it } from 'vitest';
import { Navigator, parseRoute, routePath, type HistoryEnv, type Route } from './router';

describe('routes', () => {
  it.each<[string, string, Route]>([
    ['/admin', '', { page: 'dashboard' }],
    ['/admin/', '', { page: 'dashboard' }],
    ['/admin.html', '', { page: 'dashboard' }],
    ['/admin/reports', '', { page: 'reports', reportId: null }],
    ['/admin/reports/42', '', { page: 'reports', reportId: 42 }],
    ['/admin/reports/abc', '', { page: 'not-found' }],
    ['/admin/reports/0', '', { page: 'not-found' }],
    ['/admin/blocks', '', { page: 'blocks' }],
    ['/admin/appeals', '', { page: 'appeals' }],
    ['/admin/accounts', '', { page: 'accounts' }],
    ['/admin/watch-list', '', { page: 'watch-list' }],
    ['/admin/watch-list/x', '', { page: 'not-found' }],
    ['/admin/reputation', '?device=dk_1', { page: 'reputation', ip: null, device: 'dk_1' }],
    ['/admin/reputation', '?ip=2001%3Adb8%3A%3A1', { page: 'reputation', ip: '2001:db8::1', device: null }],
    ['/admin/audit', '?target=report%3A3', { page: 'audit', target: 'report:3' }],
    ['/admin/blocks/7', '', { page: 'not-found' }],
    ['/administrator', '', { page: 'not-found' }],
    ['/', '', { page: 'not-found' }],
  ])('%s%s', (path, search, route) => {
    expect(parseRoute(path, search)).toEqual(route);
  });

  it.each<Route>([
    { page: 'dashboard' },
    { page: 'reports', reportId: null },
    { page: 'reports', reportId: 7 },
    { page: 'blocks' },
    { page: 'watch-list' },
    { page: 'reputation', ip: '192.0.2.1', device: null },
    { page: 'audit', target: 'block:2' },
    { page: 'audit', target: null },
  ])('round trip %j', (route) => {
    const [path, search] = routePath(route).split('?');
    expect(parseRoute(path!, search ? '?' + search : '')).toEqual(route);
  });
});

describe('Navigator', () => {
  function env(path: string) {
    const listeners: (() => void)[] = [];
    const log: string[] = [];
    const e: HistoryEnv & { pop: (p: string) => void } = {
      location: { pathname: path, search: '' },
      history: {
        pushState: (_d, _u, url) => {
          log.push('push ' + url);
          const [p, s] = url.split('?');
          e.location = { pathname: p!, search: s ? '?' + s : '' };
        },
        replaceState: (_d, _u, url) => {
          log.push('replace ' + url);
          const [p, s] = url.split('?');
          e.location = { pathname: p!, search: s ? '?' + s : '' };
        },
      },
      addEventListener: (_t, l) => listeners.push(l),
      removeEventListener: () => {},
      pop: (p) => {
        e.location = { pathname: p, search: '' };
        listeners.forEach((l) => l());
      },
    };
    return { e, log };
  }

  it('pushes, replaces, follows the back button and tells subscribers', () => {
    const { e, log } = env('/admin');
    const nav = new Navigator(e);
    let changes = 0;
    nav.subscribe(() => changes++);
    nav.navigate({ page: 'reports', reportId: null });
    nav.navigate({ page: 'reports', reportId: 3 }, { replace: true });
    nav.navigate({ page: 'reports', reportId: 3 }); // same place: no new entry
    e.pop('/admin/blocks');
    expect(log).toEqual(['push /admin/reports', 'replace /admin/reports/3']);
    expect(nav.state).toEqual({ page: 'blocks' });
    expect(changes).toBe(4);
  });
});
