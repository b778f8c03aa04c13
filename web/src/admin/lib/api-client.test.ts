import { describe, expect, it } from 'vitest';
import { fakeFetch, json } from '../test/fake-fetch';
import { AdminApi, AdminApiError, queryString } from './api-client';

function setup(respond: Parameters<typeof fakeFetch>[0] = () => json(200, {}), token: string | null = 'tok') {
  const f = fakeFetch(respond);
  const unauthorized: AdminApiError[] = [];
  const api = new AdminApi({ fetch: f.fetch, token: () => token, onUnauthorized: (e) => unauthorized.push(e) });
  return { api, calls: f.calls, unauthorized };
}

describe('AdminApi requests', () => {
  // Each route as admin_api.cpp reads it: method, path with query, body.
  it.each<[string, (api: AdminApi) => Promise<unknown>, string, string, unknown]>([
    ['me', (a) => a.me(), 'GET', '/api/v1/admin/me', null],
    ['pending reports', (a) => a.reports({ status: 'pending' }, { limit: 50 }), 'GET', '/api/v1/admin/reports?status=pending&limit=50', null],
    ['reports by reason and cursor', (a) => a.reports({ reason: 'spam', ip: '' }, { cursor: 'c 1' }), 'GET', '/api/v1/admin/reports?reason=spam&cursor=c+1', null],
    ['one report', (a) => a.report(12), 'GET', '/api/v1/admin/reports/12', null],
    [
      'accept with a timed device block',
      (a) => a.decideReport(12, { action: 'accept', blockDevice: true, blockIp: false, duration: 86400, note: 'n' }),
      'POST',
      '/api/v1/admin/reports/12/decision',
      { action: 'accept', blockIp: false, blockDevice: true, durationS: 86400, note: 'n' },
    ],
    [
      'accept with a permanent block',
      (a) => a.decideReport(3, { action: 'accept', blockDevice: true, blockIp: true, duration: null, note: '' }),
      'POST',
      '/api/v1/admin/reports/3/decision',
      { action: 'accept', blockIp: true, blockDevice: true, permanent: true, note: '' },
    ],
    ['reject', (a) => a.decideReport(4, { action: 'reject', note: 'fine' }), 'POST', '/api/v1/admin/reports/4/decision', { action: 'reject', note: 'fine' }],
    ['active blocks', (a) => a.blocks({ active: true }), 'GET', '/api/v1/admin/blocks?active=true', null],
    ['blocks of a device', (a) => a.blocks({ device: 'dk_1' }, { limit: 200 }), 'GET', '/api/v1/admin/blocks?device=dk_1&limit=200', null],
    ['create block', (a) => a.createBlock({ ip: '203.0.113.7', duration: 3600, reason: 'spam' }), 'POST', '/api/v1/admin/blocks', { ip: '203.0.113.7', durationS: 3600, reason: 'spam' }],
    ['bulk ips', (a) => a.bulkBlock('ip', ['192.0.2.1', '192.0.2.2'], null, 'r'), 'POST', '/api/v1/admin/blocks/bulk', { ips: ['192.0.2.1', '192.0.2.2'], permanent: true, reason: 'r' }],
    ['bulk devices', (a) => a.bulkBlock('device', ['d1'], 60, ''), 'POST', '/api/v1/admin/blocks/bulk', { devices: ['d1'], durationS: 60, reason: '' }],
    ['lift', (a) => a.liftBlock(7, 'mistake'), 'DELETE', '/api/v1/admin/blocks/7', { reason: 'mistake' }],
    ['open appeals', (a) => a.appeals({ status: 'open' }), 'GET', '/api/v1/admin/appeals?status=open', null],
    ['decide appeal', (a) => a.decideAppeal(5, 'accept', 'ok'), 'POST', '/api/v1/admin/appeals/5/decision', { action: 'accept', note: 'ok' }],
    ['reputation of an IP', (a) => a.reputation({ ip: '2001:db8::1' }), 'GET', '/api/v1/admin/reputation?ip=2001%3Adb8%3A%3A1', null],
    ['reputation of a device', (a) => a.reputation({ device: 'dk' }), 'GET', '/api/v1/admin/reputation?device=dk', null],
    ['stats', (a) => a.stats(), 'GET', '/api/v1/admin/stats', null],
    ['watch list', (a) => a.watchList(), 'GET', '/api/v1/admin/watchlist', null],
    ['heatmap', (a) => a.matchWait(), 'GET', '/api/v1/admin/analytics/match-wait', null],
    ['audit', (a) => a.audit({ action: 'block.create', since: 1000 }, { limit: 100 }), 'GET', '/api/v1/admin/audit?action=block.create&since=1000&limit=100', null],
    ['verify', (a) => a.verifyAudit(), 'GET', '/api/v1/admin/audit/verify', null],
    ['logout', (a) => a.logout(), 'POST', '/api/v1/admin/logout', null],
    ['accounts', (a) => a.accounts(), 'GET', '/api/v1/admin/accounts', null],
    ['create account', (a) => a.createAccount('bob', 'pw123456', 'moderator'), 'POST', '/api/v1/admin/accounts', { username: 'bob', password: 'pw123456', role: 'moderator' }],
    ['password', (a) => a.setPassword('bob', 'newpass12'), 'POST', '/api/v1/admin/accounts/bob/password', { password: 'newpass12' }],
    ['disable', (a) => a.setDisabled('bob', true), 'POST', '/api/v1/admin/accounts/bob/disable', {}],
    ['enable', (a) => a.setDisabled('bob', false), 'POST', '/api/v1/admin/accounts/bob/enable', {}],
  ])('%s', async (_, call, method, url, body) => {
    const t = setup();
    await call(t.api);
    expect(t.calls).toEqual([{ method, url, auth: 'Bearer tok', body }]);
  });

  it('logs in without a token and returns the answer', async () => {
    const t = setup(() => json(200, { token: 'jwt', expiresIn: 900, role: 'admin' }), null);
    expect(await t.api.login('alice', 'secret-pw')).toEqual({ token: 'jwt', expiresIn: 900, role: 'admin' });
    expect(t.calls).toEqual([{ method: 'POST', url: '/api/v1/admin/login', auth: null, body: { username: 'alice', password: 'secret-pw' } }]);
  });

  it('returns undefined for 204 No Content', async () => {
    const t = setup(() => json(204, null));
    await expect(t.api.setDisabled('bob', true)).resolves.toBeUndefined();
  });
});

describe('AdminApi errors', () => {
  it.each<[string, () => Response | Promise<Response>, Partial<AdminApiError>]>([
    ['server error body', () => json(409, { error: { code: 'conflict', message: 'the report was already decided' } }), { code: 'conflict', status: 409, message: 'the report was already decided' }],
    [
      'rate limit with retryAfterMs',
      () => json(429, { error: { code: 'rate_limited', message: 'too many failed logins', retryAfterMs: 61000 } }, { 'Retry-After': '62' }),
      { code: 'rate_limited', status: 429, retryAfterMs: 61000 },
    ],
    ['rate limit with only Retry-After', () => new Response('slow down', { status: 429, headers: { 'Retry-After': '30' } }), { code: 'http_429', retryAfterMs: 30000 }],
    ['not JSON', () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }), { code: 'http_502', status: 502 }],
    ['network failure', () => Promise.reject(new TypeError('Failed to fetch')), { code: 'network', status: 0 }],
    ['malformed success', () => new Response('not json', { status: 200 }), { code: 'bad_response' }],
  ])('%s', async (_, respond, expected) => {
    const t = setup(respond);
    const err = await t.api.stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject(expected);
    expect(t.unauthorized).toHaveLength(0);
  });

  it('reports a 401 on an authenticated call as the end of the session', async () => {
    const t = setup(() => json(401, { error: { code: 'unauthorized', message: 'token expired' } }));
    await expect(t.api.reports()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(t.unauthorized.map((e) => e.message)).toEqual(['token expired']);
  });

  it('does not treat a wrong password (401 on login) as a lost session', async () => {
    const t = setup(() => json(401, { error: { code: 'unauthorized', message: 'invalid username or password' } }), null);
    await expect(t.api.login('a', 'b')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(t.unauthorized).toHaveLength(0);
  });

  it('does not call the server without a token', async () => {
    const t = setup(() => json(200, {}), null);
    await expect(t.api.stats()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(t.calls).toHaveLength(0);
    expect(t.unauthorized).toHaveLength(1);
  });

  it('a 403 (moderator on an admin route) keeps the session', async () => {
    const t = setup(() => json(403, { error: { code: 'forbidden', message: 'admin role required' } }));
    await expect(t.api.accounts()).rejects.toMatchObject({ code: 'forbidden', status: 403 });
    expect(t.unauthorized).toHaveLength(0);
  });
});

describe('queryString', () => {
  it.each<[Record<string, string | number | boolean | null | undefined>, string]>([
    [{}, ''],
    [{ a: undefined, b: null, c: '' }, ''],
    [{ active: false, limit: 5 }, '?active=false&limit=5'],
    [{ target: 'report:12' }, '?target=report%3A12'],
  ])('%j -> %s', (params, expected) => {
    expect(queryString(params)).toBe(expected);
  });
});
