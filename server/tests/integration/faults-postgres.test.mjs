// Issue 14, faults: PostgreSQL restarted under load. Clients keep making sessions, matches
// and reports (WebSocket and REST) while the test stops PostgreSQL (fast shutdown, by its
// PID) and starts it again. The server must stay up; every report is either acknowledged
// and stored or refused with `unavailable`, never acknowledged and missing; it reconnects
// by itself; afterwards reports, blocks and logins work. While PostgreSQL is down the ban
// check answers from the block cache, and once that is too old it fails closed
// (`unavailable`, serendip_ban_check_failures_total). A 10-minute outage is made by moving
// the server's wall clock on (libfaketime), not by waiting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { NO_FAKETIME, fakeClock, libFaketime } from './faketime.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  adminGet,
  call,
  cli,
  login,
  pair,
  report,
  sessionRequest,
  sql,
  startModServer,
  startPostgres,
  tempDir,
  user,
} from './moderation-tools.mjs';
import { annotate } from './server.mjs';
import { expectSoon, parseMetrics, randomDeviceId, sleep, uniqueLang, waitFor } from './util.mjs';

const skip = libFaketime() ? false : NO_FAKETIME;

let pg;
before(async () => {
  if (!skip) pg = await startPostgres({ own: true });
});
after(() => {
  pg?.stop();
});

async function banFailures(server) {
  const res = await call(server, 'GET', '/metrics');
  const found = parseMetrics(res.text).filter((m) => m.name === 'serendip_ban_check_failures_total');
  assert.equal(found.length, 1, 'serendip_ban_check_failures_total is exported');
  return found[0].value;
}

// One client loop: pair two users, one reports the other (WebSocket or REST), again.
// Every outcome is recorded; anything but an acknowledgement or a clear refusal fails.
function loadWorker(server, n, log, stop, clock) {
  const lang = uniqueLang(); // one per worker: its two users meet each other
  return (async () => {
    for (let i = 0; !stop.now; i++) {
      const phase = log.phase;
      let a;
      let b;
      try {
        a = await user(server, { label: `A${n}` });
        b = await user(server, { label: `B${n}` });
        const sid = await pair(a, b, lang);
        if (i % 2 === 0) {
          const m = await report(a, sid, 'spam', { comment: `load ${n}.${i}` });
          if (m.type === 'report_ack') log.acked.push({ id: Number(m.reportId), phase });
          else log.refused.push({ code: m.code, message: m.message, phase, how: 'ws', moved: clock.offsetMs !== 0 });
        } else {
          const res = await call(server, 'POST', '/api/v1/reports', { token: a.token, ip: a.ip, json: { sessionId: sid, reason: 'spam' } });
          if (res.status === 201) log.acked.push({ id: Number(res.json.reportId), phase });
          else log.refused.push({ code: res.json?.error?.code, status: res.status, phase, how: 'rest', moved: clock.offsetMs !== 0 });
        }
      } catch (e) {
        // A session or hello refused while the ban check cannot answer: a clear refusal.
        log.refusedSetup.push({ phase, what: e.message.slice(0, 600), moved: clock.offsetMs !== 0 });
        await sleep(50);
      } finally {
        // Never left waiting in the queue for the next round's users.
        a?.close();
        b?.close();
      }
    }
  })();
}

test('PostgreSQL restarted under load: the server stays up, no acknowledged report is lost, the ban check fails closed, it reconnects by itself', { skip, timeout: 110_000 }, async (t) => {
  const clock = fakeClock(tempDir('serendip-faults-pg-'));
  const db = pg.freshDatabase();
  const server = await startModServer(db, { label: 'pg-faults', env: clock.env });
  const stop = { now: false };
  const log = { phase: 'up', acked: [], refused: [], refusedSetup: [] };
  let workers = [];
  try {
    const admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    // A blocked device, to see the ban check answer through the outage.
    const blockedDevice = randomDeviceId();
    const s = await sessionRequest(server, { deviceId: blockedDevice, ip: '203.0.113.9' });
    assert.equal(s.status, 200, s.text);
    const key = JSON.parse(Buffer.from(s.json.token.split('.')[1], 'base64url')).did;
    const made = await call(server, 'POST', '/api/v1/admin/blocks', { token: admin, json: { device: key, durationS: 7200, reason: 'fault test' } });
    assert.equal(made.status, 201, made.text);
    // The cache holds it and is valid (a reload that ran while the block was made leaves it
    // stale until the next tick's): from here it can answer through the outage.
    const cached = await waitFor(async () => {
      const text = (await call(server, 'GET', '/metrics')).text;
      return /^serendip_block_cache_valid 1$/m.test(text) && /^serendip_block_cache_entries [1-9]/m.test(text);
    }, { timeoutMs: 5_000 });
    assert.ok(cached, 'the block cache is loaded with the block before the outage');

    workers = [0, 1, 2].map((n) => loadWorker(server, n, log, stop, clock));
    await expectSoon(() => log.acked.length >= 3, 'three sessions acknowledged before the outage', { timeoutMs: 10_000 });

    // Down. The load goes on.
    log.phase = 'down';
    pg.halt();
    await expectSoon(async () => (await call(server, 'GET', '/readyz')).status === 503, '/readyz 503 while PostgreSQL is down', { timeoutMs: 5_000 });
    await expectSoon(() => log.refused.some((r) => r.phase === 'down'), 'a session refused while PostgreSQL is down', { timeoutMs: 10_000 });
    const health = await call(server, 'GET', '/healthz');
    assert.equal(health.status, 200, `healthz while PostgreSQL is down: ${health.text}`);

    // The block cache answers the ban check for now: the blocked device is refused, others get in.
    const blockedNow = await sessionRequest(server, { deviceId: blockedDevice, ip: '203.0.113.9' });
    assert.equal(blockedNow.status, 403, `blocked device while down: ${blockedNow.text}`);
    assert.equal(blockedNow.json?.error?.code, 'banned');
    const clearNow = await sessionRequest(server, { deviceId: randomDeviceId(), ip: '203.0.113.10' });
    assert.equal(clearNow.status, 200, `a clear device while down (cache fresh): ${clearNow.text}`);
    const failuresBefore = await banFailures(server);

    // Eleven minutes later (the wall clock moved on): the cache is too old to trust and
    // cannot be reloaded, so the check fails closed for everyone, blocked or not.
    clock.set('+11m');
    log.phase = 'down-stale';
    const closed = await waitFor(
      async () => {
        const r = await sessionRequest(server, { deviceId: randomDeviceId(), ip: '203.0.113.11' });
        return r.status === 503 ? r : null;
      },
      { timeoutMs: 5_000 },
    );
    assert.equal(closed.json?.error?.code, 'unavailable', closed.text);
    const blockedClosed = await sessionRequest(server, { deviceId: blockedDevice, ip: '203.0.113.9' });
    assert.equal(blockedClosed.status, 503, `blocked device, stale cache, database down: ${blockedClosed.text}`);
    assert.ok((await banFailures(server)) > failuresBefore, 'serendip_ban_check_failures_total counts the failed checks');
    assert.ok(server.jsonLogs().some((l) => l.event === 'ban_check_failed'), 'ban_check_failed is logged');
    await sleep(1_000);

    // Back: the same cluster starts again; the server finds it without a restart.
    pg.resume();
    log.phase = 'back';
    await expectSoon(async () => (await call(server, 'GET', '/readyz')).status === 200, '/readyz 200 once PostgreSQL is back', { timeoutMs: 15_000 });
    const backFrom = log.acked.length;
    await expectSoon(() => log.acked.length >= backFrom + 3, 'three more sessions acknowledged once PostgreSQL is back', { timeoutMs: 15_000 });
    stop.now = true;
    await Promise.all(workers);
    await closeAllClients();

    assert.equal(server.exit, null, 'the server never exited');
    const count = (list) => JSON.stringify(list.reduce((o, r) => ({ ...o, [r.phase]: (o[r.phase] ?? 0) + 1 }), {}));
    t.diagnostic(`acknowledged ${count(log.acked)}, refused reports ${count(log.refused)}, refused sessions ${count(log.refusedSetup)}`);
    // Every refusal is a clear one.
    // (A token made just before the clock moved 11 minutes on has expired: unauthorized.)
    const clear = (r) => r.code === 'unavailable' || (r.moved && r.code === 'unauthorized');
    for (const r of log.refused) assert.ok(clear(r), `a refused report says why: ${JSON.stringify(r)}`);
    for (const r of log.refusedSetup) {
      assert.ok(r.phase !== 'up', `nothing refused before the outage: ${JSON.stringify(r)}`);
      const why = r.moved ? /unavailable|HTTP 503|invalid token: expired/ : /unavailable|HTTP 503/;
      assert.match(r.what, why, `a refused session, upgrade or hello says why: ${JSON.stringify(r)}`);
    }
    assert.ok(log.refused.length > 0, 'reports were refused during the outage');
    // Every acknowledged report is stored, the ones from around the restart too.
    const ids = log.acked.map((r) => r.id);
    const stored = new Set(sql(db, 'SELECT id FROM reports').trim().split('\n').filter(Boolean).map(Number));
    const lost = ids.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `acknowledged reports missing after the restart (of ${ids.length})`);
    assert.equal(stored.size, ids.length, 'no report stored that was not acknowledged');

    // Afterwards: logins, blocks, the ban check and reports work.
    const admin2 = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    const a = await user(server, { label: 'after-A' });
    const b = await user(server, { label: 'after-B' });
    const sid = await pair(a, b, uniqueLang());
    const ack = await report(a, sid, 'harassment');
    assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
    const blocked = await call(server, 'POST', '/api/v1/admin/blocks', { token: admin2, json: { device: b.claims.did, durationS: 600, reason: 'after restart' } });
    assert.equal(blocked.status, 201, blocked.text);
    assert.equal((await b.next('banned', 3000)).type, 'banned');
    const again = await sessionRequest(server, { deviceId: b.deviceId, ip: b.ip });
    assert.equal(again.status, 403, again.text);
    assert.equal((await sessionRequest(server, { deviceId: blockedDevice, ip: '203.0.113.9' })).status, 403);
    const detail = await adminGet(server, admin2, `/api/v1/admin/reports/${ack.reportId}`);
    assert.equal(detail.reason, 'harassment');
    const verified = cli(db, ['audit', 'verify']);
    assert.equal(verified.code, 0, `audit verify: ${verified.stdout}${verified.stderr}`);
  } catch (e) {
    throw annotate(e, server);
  } finally {
    stop.now = true;
    await Promise.allSettled(workers);
    await closeAllClients();
    await server.stop();
  }
});
