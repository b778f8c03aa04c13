// Scale-out across machines: two instances on one Redis whose monotonic clocks
// disagree by a day, as pods on two nodes booted a day apart do. Instance B runs
// in its own time namespace (`unshare --time --monotonic`, as root): its
// CLOCK_MONOTONIC reads a day ahead of instance A's, the wall clock is the same.
// The times the queue shares (enqueue times, waits, the no-rematch deadline of
// a pair) must mean the same on both: the widening of a region, the repeat-pair
// cooldown and the wait estimate hold whichever instance wrote them and
// whichever reads them. Then two more instances join with their wall clocks
// 90 s ahead and 90 s behind (libfaketime): liveness is judged on Redis'
// clock, so none of the four takes another for dead.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { NO_FAKETIME, fakeClock, libFaketime } from './faketime.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, join, login, pair, startModServer, tempDir, user } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate } from './server.mjs';
import { expectSoon, metric, request, sleep, uniqueLang, waitFor } from './util.mjs';

const SKEW_S = 86_400;
const COOLDOWN_MS = 2_000;
const WIDEN_MS = 2_000;
const RESEARCH_MS = 5_000; // the hub's periodic search of a queued member

const skip = process.getuid?.() !== 0 ? 'not root: cannot give an instance its own time namespace' : false;

let redis;
let db;
let A;
let B;
const extra = [];

async function startInstance(label, { wrap, env = {} } = {}) {
  const s = await startModServer(db, {
    label,
    wrap,
    flags: { 'repeat-pair-cooldown-ms': COOLDOWN_MS, 'widen-region-after-ms': WIDEN_MS },
    env: { SERENDIP_REDIS_URL: redis.url, ...env },
  });
  await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready`, { timeoutMs: 8000 });
  return s;
}

before(async () => {
  if (skip) return;
  redis = await RedisServer.start();
  db = freshSqlite();
  A = await startInstance('clock-a');
  B = await startInstance('clock-b', { wrap: ['unshare', '--time', '--monotonic', String(SKEW_S)] });
  // B really runs a day ahead on the monotonic clock, A does not.
  const offsets = (s) => fs.readFileSync(`/proc/${s.proc.pid}/timens_offsets`, 'utf8');
  assert.match(offsets(B), new RegExp(`^monotonic\\s+${SKEW_S}\\s+0$`, 'm'), offsets(B));
  assert.match(offsets(A), /^monotonic\s+0\s+0$/m, offsets(A));
});

after(async () => {
  await closeAllClients();
  for (const s of [A, B, ...extra]) if (s && !s.exit) await s.stop();
  await redis?.stop();
});

function clockTest(name, ...rest) {
  const fn = rest.pop();
  const own = rest[0] ?? {};
  return test(name, { timeout: 60_000, ...own, skip: skip || own.skip || false }, async () => {
    try {
      await fn();
    } catch (e) {
      throw annotate(e, A, B, ...extra);
    } finally {
      await closeAllClients();
    }
  });
}

// `x` waits on `checker`, `y` on `writer` joins and is matched with it: the
// writer's script records the pair's cooldown. Both press Next at once: the
// checker's script finds y queued and must not pair them again until the
// cooldown, written on the other clock, has run out; then they are paired.
async function cooldownAcross(writer, checker) {
  const lang = uniqueLang();
  const x = await user(checker, { label: `x@${checker.label}` });
  const y = await user(writer, { label: `y@${writer.label}` });
  await pair(x, y, lang);
  const matchedAt = Date.now();
  y.send({ type: 'next' });
  await y.next('queued');
  await x.next('peer_left');
  join(x, lang);
  const q = await x.next(['queued', 'matched'], 3000);
  assert.equal(q.type, 'queued', `paired again ${Date.now() - matchedAt} ms after their call, within the ${COOLDOWN_MS} ms cooldown`);
  const again = await x.next('matched', COOLDOWN_MS + RESEARCH_MS + 3000);
  const gap = Date.now() - matchedAt;
  assert.ok(gap >= COOLDOWN_MS - 100, `paired again after ${gap} ms, cooldown ${COOLDOWN_MS} ms`);
  assert.equal((await y.next('matched')).sessionId, again.sessionId);
}

clockTest('a pair matched on instance A is not matched again on instance B within the cooldown, and is after it', async () => {
  await cooldownAcross(A, B);
});

clockTest('a pair matched on instance B is not matched again on instance A within the cooldown, and is after it', async () => {
  await cooldownAcross(B, A);
});

clockTest('a user waiting on instance A is offered across regions by instance B only after the widening wait', async () => {
  const lang = uniqueLang();
  const x = await user(A, { label: 'x@A' });
  const y = await user(B, { label: 'y@B' });
  x.send({ type: 'join', mode: 'video', languages: [lang], region: 'EU' });
  const queuedAt = Date.now();
  await x.next('queued');
  y.send({ type: 'join', mode: 'video', languages: [lang], region: 'NA' });
  const first = await y.next(['queued', 'matched'], 3000);
  assert.equal(first.type, 'queued', `matched across regions ${Date.now() - queuedAt} ms after joining, before the ${WIDEN_MS} ms widening`);
  const m = await y.next('matched', WIDEN_MS + RESEARCH_MS + 3000);
  const waited = Date.now() - queuedAt;
  assert.ok(waited >= WIDEN_MS - 100, `matched across regions after ${waited} ms`);
  assert.equal(m.peer.region, 'EU');
});

clockTest('the wait estimate a newcomer is given stays a real wait after matches across the two clocks', async () => {
  for (const [first, second] of [
    [A, B],
    [B, A],
    [A, B],
    [B, A],
  ]) {
    const lang = uniqueLang();
    const x = await user(first, { label: `x@${first.label}` });
    const y = await user(second, { label: `y@${second.label}` });
    join(x, lang);
    await x.next('queued');
    await sleep(150);
    join(y, lang);
    await y.next('matched');
    await x.next('matched');
  }
  for (const s of [A, B]) {
    const c = await user(s, { label: `newcomer@${s.label}` });
    join(c, uniqueLang());
    const q = await c.next('queued');
    assert.ok(q.estimatedWaitMs === undefined || (q.estimatedWaitMs >= 0 && q.estimatedWaitMs <= 60_000), JSON.stringify(q));
  }
});


clockTest(
  'instances whose wall clocks are 90 s ahead and 90 s behind stay live for all, their calls stay up and the dashboard counts them',
  { skip: libFaketime() ? false : NO_FAKETIME },
  async () => {
    const ahead = fakeClock(tempDir('serendip-clock-ahead-'));
    ahead.set('+90s');
    const behind = fakeClock(tempDir('serendip-clock-behind-'));
    behind.set('-90s');
    const C = await startInstance('clock-ahead', { env: ahead.env });
    extra.push(C);
    const D = await startInstance('clock-behind', { env: behind.env });
    extra.push(D);
    const all = [A, B, C, D];
    // Each sees all four, and calls across the skewed instances are made.
    for (const s of all) {
      assert.ok(await waitFor(async () => (await metric(s, 'serendip_instances_live')) === 4, { timeoutMs: 8000 }), `${s.label} never saw 4 live`);
    }
    const dead = await Promise.all(all.map((s) => metric(s, 'serendip_instances_dead_total')));
    // Each knows how far its clock is from Redis' (the alert SerendipClockSkew reads this).
    for (const [s, expected] of [
      [A, 0],
      [B, 0],
      [C, -90],
      [D, 90],
    ]) {
      const offset = await metric(s, 'serendip_redis_clock_offset_seconds');
      assert.ok(Math.abs(offset - expected) < 2, `${s.label}: clock offset ${offset} s, expected about ${expected}`);
    }
    const calls = [];
    for (const [x, y] of [
      [A, C],
      [D, B],
      [C, D],
    ]) {
      const a = await user(x, { label: `a@${x.label}` });
      const b = await user(y, { label: `b@${y.label}` });
      calls.push({ a, b, sessionId: await pair(a, b, uniqueLang()) });
    }
    // Several beats later (an instance is dead after 3 s without one): still four,
    // nobody found dead, every call still up and relaying.
    await sleep(6000);
    for (const [i, s] of all.entries()) {
      assert.equal(await metric(s, 'serendip_instances_live'), 4, `${s.label}: live instances`);
      assert.equal(await metric(s, 'serendip_instances_dead_total'), dead[i], `${s.label} found an instance dead`);
    }
    for (const { a, b, sessionId } of calls) {
      for (const c of [a, b]) assert.equal(c.received.find((m) => m.type === 'peer_left'), undefined, c.history());
      a.send({ type: 'offer', sessionId, sdp: 'v=0 skewed' });
      assert.equal((await b.next('offer')).sdp, 'v=0 skewed');
    }
    // The dashboard of any of them counts the users of all four.
    for (const s of [C, D]) {
      const admin = await login(s, BOOT_ADMIN, BOOT_PASSWORD);
      let stats;
      const ok = await waitFor(
        async () => {
          const res = await call(s, 'GET', '/api/v1/admin/stats', { token: admin });
          expectStatus(res, 200, 'GET /api/v1/admin/stats');
          stats = res.json;
          return stats.onlineUsers === 6 && stats.activeSessions === 3;
        },
        { timeoutMs: 5000 },
      );
      assert.ok(ok, `${s.label}: ${JSON.stringify(stats)}`);
    }
    await closeAllClients();

    // The repeat-pair cooldown, written by the instance 90 s behind and read by the one
    // 90 s ahead: it holds, and ends on time.
    await cooldownAcross(D, C);

    // A ban made on the instance 90 s ahead reaches, through the presence records, a socket
    // on the one 90 s behind (their presence TTL is 3 min: own clocks would put that
    // socket's record out of the reader's window).
    const victim = await user(D, { label: 'victim@behind' });
    await sleep(1500);
    const admin = await login(C, BOOT_ADMIN, BOOT_PASSWORD);
    const t0 = Date.now();
    const res = await call(C, 'POST', '/api/v1/admin/blocks', {
      token: admin,
      json: { ip: victim.ip, durationS: 600, reason: 'skewed ban' },
    });
    expectStatus(res, 201, 'block');
    assert.equal((await victim.next('banned', 1500)).reason, 'skewed ban');
    assert.ok(Date.now() - t0 <= 1500, `kicked after ${Date.now() - t0} ms`);
  },
);
