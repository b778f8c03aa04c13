import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../test/manual-timers';
import { ApiError, TokenSource, type FetchLike } from './token-source';

interface Call {
  url: string;
  auth: string | null;
  body: unknown;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function setup(responder: (call: Call, n: number) => Response) {
  const timers = new ManualTimers();
  const calls: Call[] = [];
  const fetch: FetchLike = (url, init) => {
    const headers = new Headers(init?.headers);
    const call = { url, auth: headers.get('Authorization'), body: init?.body ? JSON.parse(String(init.body)) : null };
    calls.push(call);
    return Promise.resolve(responder(call, calls.length));
  };
  const source = new TokenSource({ baseUrl: '', deviceId: 'device-0123456789abcdef', fetch, timers });
  return { timers, calls, source };
}

describe('TokenSource', () => {
  it('creates a session with the device id and reuses the token while fresh', async () => {
    const t = setup((_, n) => json(200, { token: 't' + n, expiresIn: 300 }));
    expect(await t.source.getToken()).toBe('t1');
    await t.timers.advance(200_000);
    expect(await t.source.getToken()).toBe('t1');
    expect(t.calls).toEqual([{ url: '/api/v1/session', auth: null, body: { deviceId: 'device-0123456789abcdef' } }]);
  });

  it('refreshes with the bearer token before expiry when started', async () => {
    const t = setup((_, n) => json(200, { token: 't' + n, expiresIn: 300 }));
    t.source.start();
    await t.source.getToken();
    await t.timers.advance(239_999);
    expect(t.calls).toHaveLength(1);
    await t.timers.advance(1); // 300 s lifetime - 60 s margin
    expect(t.calls[1]).toEqual({ url: '/api/v1/session/refresh', auth: 'Bearer t1', body: null });
    expect(await t.source.getToken()).toBe('t2');
    await t.timers.advance(240_000); // and again for the refreshed token
    expect(t.calls[2]).toMatchObject({ url: '/api/v1/session/refresh', auth: 'Bearer t2' });
    t.source.stop();
    await t.timers.advance(1_000_000);
    expect(t.calls).toHaveLength(3);
  });

  it.each([
    // lifetime (s), refresh expected after (ms): margin is 60 s, at most half the lifetime
    [300, 240_000],
    [60, 30_000],
    [3600, 3_540_000],
  ])('with expiresIn %i s it refreshes after %i ms', async (expiresIn, after) => {
    const t = setup(() => json(200, { token: 'x', expiresIn }));
    t.source.start();
    await t.source.getToken();
    await t.timers.advance(after - 1);
    expect(t.calls).toHaveLength(1);
    await t.timers.advance(1);
    expect(t.calls).toHaveLength(2);
  });

  it('falls back to a new session when the refresh is refused', async () => {
    const t = setup((call, n) =>
      call.url.endsWith('/refresh') ? json(401, { error: { code: 'unauthorized' } }) : json(200, { token: 't' + n, expiresIn: 300 }),
    );
    await t.source.getToken();
    await t.timers.advance(250_000);
    expect(await t.source.getToken()).toBe('t3');
    expect(t.calls.map((c) => c.url)).toEqual(['/api/v1/session', '/api/v1/session/refresh', '/api/v1/session']);
  });

  it('after expiry it creates a new session instead of refreshing', async () => {
    const t = setup((_, n) => json(200, { token: 't' + n, expiresIn: 300 }));
    await t.source.getToken();
    await t.timers.advance(301_000);
    await t.source.getToken();
    expect(t.calls.map((c) => c.url)).toEqual(['/api/v1/session', '/api/v1/session']);
  });

  it.each([
    [403, { error: { code: 'banned', message: 'no', until: null, appealable: true } }, {}, { code: 'banned', appealable: true, until: null }],
    [429, { error: { code: 'rate_limited', retryAfterMs: 1500 } }, {}, { code: 'rate_limited', retryAfterMs: 1500 }],
    [429, {}, { 'Retry-After': '3' }, { code: 'http_429', retryAfterMs: 3000 }],
  ])('HTTP %i becomes an ApiError', async (status, body, headers, expected) => {
    const t = setup(() => json(status, body, headers));
    const err = await t.source.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject(expected);
  });

  it('concurrent callers share one request', async () => {
    const t = setup(() => json(200, { token: 'one', expiresIn: 300 }));
    const [a, b] = await Promise.all([t.source.getToken(), t.source.getToken()]);
    expect([a, b]).toEqual(['one', 'one']);
    expect(t.calls).toHaveLength(1);
  });

  it('fetches TURN credentials with the bearer token', async () => {
    const t = setup((call) =>
      call.url.endsWith('/turn-credentials')
        ? json(200, { iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '1:u', credential: 'c' }], ttl: 3600 })
        : json(200, { token: 'tt', expiresIn: 300 }),
    );
    const creds = await t.source.turnCredentials();
    expect(creds.ttl).toBe(3600);
    expect(creds.iceServers[0]?.urls).toEqual(['turn:127.0.0.1:3478']);
    expect(t.calls[1]).toMatchObject({ url: '/api/v1/turn-credentials', auth: 'Bearer tt' });
  });
});
