import { describe, expect, it } from 'vitest';
import { submitAppeal } from './appeal-client';

function fetchAnswering(res: () => Response | Promise<Response>) {
  const calls: { url: string; body: unknown }[] = [];
  const fetch = (url: string, init?: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init?.body)) });
    return Promise.resolve().then(res);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('submitAppeal', () => {
  it('posts the device id and the trimmed message', async () => {
    const f = fetchAnswering(() => json(201, { appealId: 7, status: 'open' }));
    expect(await submitAppeal(f.fetch, '', 'device-0123456789abcdef', '  it was not me  ')).toEqual({ ok: true, appealId: 7 });
    expect(f.calls).toEqual([{ url: '/api/v1/appeals', body: { deviceId: 'device-0123456789abcdef', message: 'it was not me' } }]);
  });

  it.each([
    ['already open', () => json(409, { error: { code: 'conflict', message: 'an appeal is already open' } }), 'conflict'],
    ['nothing blocked', () => json(404, { error: { code: 'not_found', message: 'nothing is blocked' } }), 'not_found'],
    ['rate limited', () => json(429, { error: { code: 'rate_limited', message: 'slow down' } }), 'rate_limited'],
    ['proxy error page', () => new Response('<html>', { status: 502 }), 'http_502'],
    ['offline', () => Promise.reject(new TypeError('Failed to fetch')), 'offline'],
    ['malformed success', () => json(201, { status: 'open' }), 'bad_response'],
  ])('%s -> %s', async (_, res, code) => {
    const f = fetchAnswering(res);
    expect(await submitAppeal(f.fetch, '', 'device-0123456789abcdef', 'please')).toEqual({ ok: false, code });
  });

  it('sends nothing for a blank message', async () => {
    const f = fetchAnswering(() => json(201, { appealId: 1 }));
    expect(await submitAppeal(f.fetch, '', 'd', '   ')).toEqual({ ok: false, code: 'empty' });
    expect(f.calls).toHaveLength(0);
  });
});
