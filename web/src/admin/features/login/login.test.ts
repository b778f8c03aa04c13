import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../test/manual-timers';
import { AdminApi, AdminApiError } from '../../lib/api-client';
import { AdminSession } from '../../lib/session';
import { fakeFetch, json } from '../../test/fake-fetch';
import { loginErrorText, signIn, signOutText } from './login';

describe('signIn', () => {
  it('stores the token under the typed username and uses it on the next call', async () => {
    const f = fakeFetch((c) => (c.url.endsWith('/login') ? json(200, { token: 'jwt-1', expiresIn: 900, role: 'admin' }) : json(200, { username: 'alice', role: 'admin' })));
    const session = new AdminSession(null, new ManualTimers());
    const api = new AdminApi({ fetch: f.fetch, token: () => session.token(), onUnauthorized: () => session.signOut('unauthorized') });
    await signIn(api, session, ' alice ', 'pw');
    expect(session.state).toMatchObject({ kind: 'signed-in', username: 'alice', role: 'admin', token: 'jwt-1' });
    await api.me();
    expect(f.calls.map((c) => [c.url, c.auth])).toEqual([
      ['/api/v1/admin/login', null],
      ['/api/v1/admin/me', 'Bearer jwt-1'],
    ]);
  });

  it('a 401 on a later call signs out with a reason the login page explains', async () => {
    const f = fakeFetch((c) => (c.url.endsWith('/login') ? json(200, { token: 't', expiresIn: 900, role: 'moderator' }) : json(401, { error: { code: 'unauthorized', message: 'account disabled or removed' } })));
    const session = new AdminSession(null, new ManualTimers());
    const api = new AdminApi({ fetch: f.fetch, token: () => session.token(), onUnauthorized: () => session.signOut('unauthorized') });
    await signIn(api, session, 'bob', 'pw');
    await expect(api.stats()).rejects.toBeInstanceOf(AdminApiError);
    expect(session.state).toEqual({ kind: 'signed-out', reason: 'unauthorized' });
    expect(signOutText('unauthorized')).toMatch(/no longer valid/);
  });

  it('a wrong password leaves the session signed out', async () => {
    const f = fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'invalid username or password' } }));
    const session = new AdminSession(null, new ManualTimers());
    const api = new AdminApi({ fetch: f.fetch, token: () => session.token(), onUnauthorized: () => session.signOut('unauthorized') });
    const err = await signIn(api, session, 'bob', 'nope').catch((e: AdminApiError) => e);
    expect(loginErrorText(err as AdminApiError)).toBe('Wrong username or password.');
    expect(session.state).toEqual({ kind: 'signed-out', reason: null });
  });
});

describe('login messages', () => {
  it.each([
    [new AdminApiError('unauthorized', 401, 'invalid username or password'), 'Wrong username or password.'],
    [new AdminApiError('rate_limited', 429, 'too many failed logins', 899_000), 'Too many failed sign-in attempts. Try again in 15 minutes.'],
    [new AdminApiError('rate_limited', 429, 'too many failed logins', 1000), 'Too many failed sign-in attempts. Try again in 1 second.'],
    [new AdminApiError('rate_limited', 429, 'too many failed logins'), 'Too many failed sign-in attempts. Try again later.'],
    [new AdminApiError('unavailable', 503, 'too many logins in progress; try again shortly', 1000), 'The server is busy with other sign-ins. Try again in 1 second.'],
    [new AdminApiError('unavailable', 503, 'storage unavailable'), 'The server is not available right now. Please try again shortly.'],
    [new AdminApiError('network', 0, 'Failed to fetch'), 'Could not reach the server. Check your connection and try again.'],
    [new AdminApiError('internal', 500, 'x'), 'Could not sign in (internal). Please try again.'],
  ])('%s', (err, text) => expect(loginErrorText(err)).toBe(text));

  it.each([
    ['expired', /expired after 15 minutes/],
    ['signed-out', /signed out/],
    [null, null],
  ] as const)('signOutText(%s)', (reason, re) => {
    const t = signOutText(reason);
    if (re === null) expect(t).toBeNull();
    else expect(t).toMatch(re);
  });
});
