import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../test/manual-timers';
import { AdminApi } from '../../lib/api-client';
import { Resource } from '../../lib/resource';
import type { WatchEntry } from '../../lib/types';
import { fakeFetch, json } from '../../test/fake-fetch';
import { WATCH_LIST_REFRESH_MS } from './use-watch-list';
import { lastSeenText, ruleLabel, watchRows } from './watch-list';

const DEVICE = 'a1b2c3d4e5f6'.padEnd(64, '0');

function entry(e: Partial<WatchEntry>): WatchEntry {
  return { kind: 'ip', subject: '192.0.2.1', rule: 'rapid_join', count: 12, hits: 1, firstSeen: 1000, lastSeen: 1000, captchaRequired: true, captchaPending: false, ...e };
}

describe('watch list rows', () => {
  it.each<[string, string]>([
    ['rapid_join', 'Joins too often'],
    ['rapid_next', 'Skips too often'],
    ['devices_per_ip', 'Many devices on one IP'],
    ['ips_per_device', 'Many IPs for one device'],
    ['distinct_reporters', 'Reported by several people'],
    ['rate_limited', 'Hit a rate limit'],
    ['shield_blur', "Hidden by several viewers' safety shields"],
    ['some_new_rule', 'some_new_rule'],
  ])('rule %s -> %s', (rule, label) => {
    expect(ruleLabel(rule)).toBe(label);
  });

  it('shortens device keys (the full key in fullSubject), keeps IPs, newest first', () => {
    const rows = watchRows([
      entry({ subject: '192.0.2.1', lastSeen: 1000 }),
      entry({ kind: 'device', subject: DEVICE, rule: 'rapid_next', hits: 3, lastSeen: 5000, captchaPending: true }),
    ]);
    expect(rows).toEqual([
      { key: `device|${DEVICE}|rapid_next`, kind: 'device', subject: 'a1b2c3d4e5f6…', fullSubject: DEVICE, rule: 'Skips too often', hits: 3, lastSeen: 5000, captchaPending: true },
      { key: 'ip|192.0.2.1|rapid_join', kind: 'ip', subject: '192.0.2.1', fullSubject: '192.0.2.1', rule: 'Joins too often', hits: 1, lastSeen: 1000, captchaPending: false },
    ]);
  });

  it.each<[number, string]>([
    [2_000, 'just now'],
    [42_000, '42 s ago'],
    [5 * 60_000, '5 min ago'],
  ])('last seen %i ms ago -> %s', (age, text) => {
    expect(lastSeenText(1_000_000, 1_000_000 + age)).toBe(text);
  });
});

// What useWatchList binds: the API call, polled by a Resource.
describe('watch list loading (fake fetch)', () => {
  it.each<[string, () => Response, { rows: number | null; error: string | null }]>([
    ['empty list', () => json(200, { items: [] }), { rows: 0, error: null }],
    ['two entries', () => json(200, { items: [entry({}), entry({ kind: 'device', subject: DEVICE })] }), { rows: 2, error: null }],
    ['server error', () => json(503, { error: { code: 'unavailable', message: 'down' } }), { rows: null, error: 'unavailable' }],
  ])('%s', async (_, respond, expected) => {
    const f = fakeFetch(respond);
    const api = new AdminApi({ fetch: f.fetch, token: () => 'tok', onUnauthorized: () => {} });
    const timers = new ManualTimers();
    const r = new Resource(() => api.watchList(), timers);
    r.startPolling(WATCH_LIST_REFRESH_MS);
    await timers.advance(0);
    expect(f.calls).toEqual([{ method: 'GET', url: '/api/v1/admin/watchlist', auth: 'Bearer tok', body: null }]);
    expect(r.state.data ? watchRows(r.state.data.items).length : null).toBe(expected.rows);
    expect(r.state.error?.code ?? null).toBe(expected.error);
    await timers.advance(WATCH_LIST_REFRESH_MS);
    expect(f.calls).toHaveLength(2); // refreshed every few seconds, also after a failure
    r.stopPolling();
  });

  it('stops refreshing once the session is over (401)', async () => {
    const f = fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'token expired' } }));
    let lost = 0;
    const api = new AdminApi({ fetch: f.fetch, token: () => 'tok', onUnauthorized: () => lost++ });
    const timers = new ManualTimers();
    const r = new Resource(() => api.watchList(), timers);
    r.startPolling(WATCH_LIST_REFRESH_MS);
    await timers.advance(60_000);
    expect(f.calls).toHaveLength(1);
    expect(lost).toBe(1);
  });
});
