// Issue 14, faults: the wall clock jumps (an NTP step, a VM resumed, an operator's mistake).
// The server runs under libfaketime with an offset the test moves (faketime.mjs); only the
// wall clock moves, the monotonic clock goes on as in a real step. Rate limiters, heartbeats
// and the queue run on the monotonic clock, so they neither reset nor stall; tokens, block
// expiry, audit timestamps and the block cache's age are wall time.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { closeAllClients, connect } from './client.mjs';
import { NO_FAKETIME, fakeClock, libFaketime } from './faketime.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  call,
  cli,
  freshSqlite,
  login,
  pair,
  sessionRequest,
  startModServer,
  tempDir,
  user,
} from './moderation-tools.mjs';
import { annotate } from './server.mjs';
import { randomDeviceId, request, sleep, uniqueLang, waitFor } from './util.mjs';

const skip = libFaketime() ? false : NO_FAKETIME;

const LIMITS_OFF = 'session_per_ip=off,connect_per_ip=off,join_per_device=off,next_per_device=off,report_per_device=off';

async function withClockServer(db, clock, opts, fn) {
  const server = await startModServer(db, { ...opts, env: { ...clock.env, ...(opts.env ?? {}) } });
  try {
    return await fn(server);
  } catch (e) {
    throw annotate(e, server);
  } finally {
    await closeAllClients();
    await server.stop();
  }
}

const didOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).did;

test('clock jumps forward and back: the session limiter neither refills nor stalls, heartbeats and the queue carry on, tokens verify, blocks expire by wall time, the audit chain stays valid', { skip, timeout: 100_000 }, async () => {
  const clock = fakeClock(tempDir('serendip-faults-clock-'));
  const db = freshSqlite();
  // One session per 2 s for a device, burst 3.
  const flags = { 'rate-limits': `${LIMITS_OFF},session_per_device=30/60s/3`, 'ping-interval-ms': 500, 'dead-after-ms': 3000 };
  await withClockServer(db, clock, { label: 'clock', flags }, async (server) => {
    const admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD);

    // The limiter: burst spent, then a jump two hours on must not refill it.
    const dev = randomDeviceId();
    for (let i = 0; i < 3; i++) assert.equal((await sessionRequest(server, { deviceId: dev, ip: '192.0.2.50' })).status, 200);
    const limited = await sessionRequest(server, { deviceId: dev, ip: '192.0.2.50' });
    assert.equal(limited.status, 429, limited.text);
    clock.set('+2h');
    const stillLimited = await sessionRequest(server, { deviceId: dev, ip: '192.0.2.50' });
    assert.equal(stillLimited.status, 429, `two hours of wall clock are not two hours of refill: ${stillLimited.text}`);
    assert.ok(stillLimited.json.error.retryAfterMs <= 2_000, `retryAfterMs ${stillLimited.json.error.retryAfterMs}`);

    // A user waiting in the queue and a connected socket: after the jump neither is dropped as
    // idle nor expired; the socket keeps answering heartbeats (it pongs automatically).
    const lang = uniqueLang();
    const waiting = await user(server, { label: 'waiting' });
    waiting.send({ type: 'join', mode: 'video', languages: [lang] });
    await waiting.next('queued');
    clock.set('-1h'); // three hours back at once
    // Not stalled: the limiter refills within its 2 s, by the monotonic clock.
    const refilled = await waitFor(async () => (await sessionRequest(server, { deviceId: dev, ip: '192.0.2.50' })).status === 200, {
      timeoutMs: 5_000,
      intervalMs: 250,
    });
    assert.ok(refilled, 'the limiter refills after the clock went back three hours');
    await sleep(3_500); // longer than the heartbeat timeout
    const other = await user(server, { label: 'other' });
    other.send({ type: 'join', mode: 'video', languages: [lang] });
    const m = await other.next('matched');
    assert.equal((await waiting.next('matched')).sessionId, m.sessionId, 'the queued user is still there and matched');

    // Tokens made before a backward jump within the leeway (60 s on iat) still verify.
    clock.set('+0');
    const before = await sessionRequest(server, { deviceId: randomDeviceId(), ip: '192.0.2.51' });
    assert.equal(before.status, 200, before.text);
    clock.set('-50s');
    const c = await connect(server, { label: 'early-token', headers: { 'x-forwarded-for': '192.0.2.51' } });
    c.send({ type: 'hello', token: before.json.token });
    assert.equal((await c.next(['welcome', 'error'])).type, 'welcome', 'a token from 50 s "in the future" is accepted');
    const admin2 = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    assert.equal((await call(server, 'GET', '/api/v1/admin/reports', { token: admin })).status, 200, 'an admin token from before the jump works');

    // A block expires by wall time: ten minutes on, it no longer applies.
    const bDev = randomDeviceId();
    const first = await sessionRequest(server, { deviceId: bDev, ip: '192.0.2.52' });
    assert.equal(first.status, 200, first.text);
    const made = await call(server, 'POST', '/api/v1/admin/blocks', { token: admin2, json: { device: didOf(first.json.token), durationS: 600, reason: 'clock' } });
    assert.equal(made.status, 201, made.text);
    assert.equal((await sessionRequest(server, { deviceId: bDev, ip: '192.0.2.52' })).status, 403, 'blocked');
    clock.set('-90s'); // an audit entry written after a step back (admin2's iat is within the 60 s skew)
    const back = await call(server, 'POST', '/api/v1/admin/blocks', { token: admin2, json: { ip: '192.0.2.99', durationS: 60, reason: 'after a step back' } });
    assert.equal(back.status, 201, back.text);
    clock.set('+11m');
    const expired = await sessionRequest(server, { deviceId: bDev, ip: '192.0.2.52' });
    assert.equal(expired.status, 200, `a 10-minute block, 11 minutes on: ${expired.text}`);

    // The audit chain holds entries whose timestamps go back and forth, and verifies.
    const verified = cli(db, ['audit', 'verify']);
    assert.equal(verified.code, 0, `audit verify after clock jumps: ${verified.stdout}${verified.stderr}`);
  });
});

// Blocks made by another instance reach this one through the block cache's reload (every
// 30 s, without Redis). The reload is due by wall time since the last one; a clock that went
// back an hour must not put it off for an hour (the cache then answers from a stale copy).
test('clock steps back an hour: the block cache reloads at once, so another instance\'s block applies here within seconds', { skip, timeout: 60_000 }, async () => {
  const clock = fakeClock(tempDir('serendip-faults-clock-'));
  const db = freshSqlite();
  await withClockServer(db, clock, { label: 'clock-here' }, async (here) => {
    // The other instance, on the same database, with the real clock.
    const other = await startModServer(db, { label: 'clock-other' });
    try {
      // This instance has loaded its block cache (its first tick), so ban checks here answer from it.
      const loaded = await waitFor(async () => /^serendip_block_cache_valid 1$/m.test((await request(here, 'GET', '/metrics')).text));
      assert.ok(loaded, 'the block cache loads within a tick of the start');
      const dev = randomDeviceId();
      const s = await sessionRequest(here, { deviceId: dev, ip: '192.0.2.60' });
      assert.equal(s.status, 200, s.text);
      const admin = await login(other, BOOT_ADMIN, BOOT_PASSWORD);
      const made = await call(other, 'POST', '/api/v1/admin/blocks', { token: admin, json: { device: didOf(s.json.token), durationS: 7200, reason: 'elsewhere' } });
      assert.equal(made.status, 201, made.text);
      // Not yet here: this instance loaded its cache at start, under 30 s ago.
      const notYet = await sessionRequest(here, { deviceId: dev, ip: '192.0.2.60' });
      assert.equal(notYet.status, 200, `the block is not here before a reload (otherwise this test shows nothing): ${notYet.text}`);

      clock.set('-1h');
      const refused = await waitFor(async () => (await sessionRequest(here, { deviceId: dev, ip: '192.0.2.60' })).status === 403, {
        timeoutMs: 10_000,
        intervalMs: 250,
      });
      assert.ok(refused, 'the other instance\'s block applies here within seconds of the step back, not an hour later');
    } catch (e) {
      throw annotate(e, other);
    } finally {
      await other.stop();
    }
  });
});
