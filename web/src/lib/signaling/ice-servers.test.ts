import { describe, expect, it, vi } from 'vitest';
import { credentialExpiryMs, IceServerCache } from './ice-servers';
import type { IceServerConfig } from './messages';

const T0 = 1_800_000_000_000; // ms
const turn = (expirySec: number, user = 'u_aaaa'): IceServerConfig[] => [
  { urls: ['turn:turn.example:3478?transport=udp'], username: `${expirySec}:${user}`, credential: 'c' + expirySec },
];

function cache(fetched: IceServerConfig[][] = []) {
  let now = T0;
  const fetchCredentials = vi.fn(async () => ({ iceServers: fetched.shift() ?? [] }));
  const c = new IceServerCache({ fetchCredentials, now: () => now });
  return { c, fetchCredentials, advance: (ms: number) => (now += ms), now: () => now };
}

describe('TURN credential expiry', () => {
  it('reads the earliest "<expiry>:<user>" of the entries', () => {
    expect(credentialExpiryMs(turn(1_800_003_600))).toBe(1_800_003_600_000);
    expect(credentialExpiryMs([...turn(1_800_003_600), ...turn(1_800_000_100)])).toBe(1_800_000_100_000);
    expect(credentialExpiryMs([{ urls: ['stun:s:3478'] }])).toBeNull();
    expect(credentialExpiryMs([{ urls: ['turn:x'], username: 'static-user', credential: 'x' }])).toBeNull();
    expect(credentialExpiryMs([])).toBeNull();
  });
});

describe('ICE server cache', () => {
  it('fetches nothing while the credential is young, then once a tenth of its life has gone', async () => {
    const t = cache([turn(1_800_007_200, 'u_new')]);
    t.c.seed(turn(T0 / 1000 + 3600)); // a one-hour credential from welcome
    await t.c.refreshIfAged();
    t.advance(5 * 60_000); // 5 of 60 minutes
    await t.c.refreshIfAged();
    expect(t.fetchCredentials).not.toHaveBeenCalled();
    t.advance(60_000 + 1); // past 6 minutes
    await t.c.refreshIfAged();
    expect(t.fetchCredentials).toHaveBeenCalledTimes(1);
    expect(t.c.current()[0]!.username).toBe('1800007200:u_new');
    await t.c.refreshIfAged(); // the new one is young again
    expect(t.fetchCredentials).toHaveBeenCalledTimes(1);
  });

  it('waits at least a minute even for a short credential, and always refreshes an expired one', async () => {
    const t = cache([turn(T0 / 1000 + 700), turn(T0 / 1000 + 800)]);
    t.c.seed(turn(T0 / 1000 + 120)); // two minutes
    t.advance(30_000);
    expect(t.c.aged()).toBe(false);
    t.advance(30_000);
    expect(t.c.aged()).toBe(true);
    await t.c.refreshIfAged();
    expect(t.fetchCredentials).toHaveBeenCalledTimes(1);
    t.advance(2 * 3600_000); // long past its expiry
    expect(t.c.aged()).toBe(true);
  });

  it('asks once for concurrent searches, and keeps the old set when the request fails or brings none', async () => {
    const t = cache();
    t.c.seed(turn(T0 / 1000 + 3600));
    t.advance(30 * 60_000);
    t.fetchCredentials.mockRejectedValueOnce(new Error('403 banned'));
    await Promise.all([t.c.refreshIfAged(), t.c.refreshIfAged()]);
    expect(t.fetchCredentials).toHaveBeenCalledTimes(1);
    expect(t.c.current()[0]!.username).toBe(`${T0 / 1000 + 3600}:u_aaaa`);
    await t.c.refreshIfAged(); // answers [] (no TURN any more): the set stays
    expect(t.fetchCredentials).toHaveBeenCalledTimes(2);
    expect(t.c.current()).toHaveLength(1);
  });

  it('never fetches for STUN-only or empty sets', async () => {
    const t = cache();
    t.c.seed([{ urls: ['stun:s:3478'] }]);
    t.advance(10 * 3600_000);
    await t.c.refreshIfAged();
    t.c.seed([]);
    await t.c.refreshIfAged();
    expect(t.fetchCredentials).not.toHaveBeenCalled();
  });
});
