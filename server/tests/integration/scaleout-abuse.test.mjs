// Scale-out, abuse prevention: instances sharing one Redis (and one database,
// as production does) spend one rate-limit budget per device and per IP, owe
// one CAPTCHA debt, count one abuse detector, spend each ALTCHA solution once
// and show one watch list, whichever instance a client reaches.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAllClients, helloed, joinMsg } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, adminGet, call, expectStatus, login } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate, startServer } from './server.mjs';
import { request, uniqueLang, waitFor } from './util.mjs';

let redis;
let dbDir;
before(async () => {
  redis = await RedisServer.start();
  dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-shared-db-'));
});
after(async () => {
  await closeAllClients();
  await redis?.stop();
  fs.rmSync(dbDir, { recursive: true, force: true });
});

// Two instances on the shared Redis and one database, with `flags`, for `fn`.
async function withTwo(name, flags, fn) {
  const db = `sqlite://${path.join(dbDir, `${name}.db`)}`;
  const env = { SERENDIP_REDIS_URL: redis.url, SERENDIP_DATABASE_URL: db, SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` };
  const pair = [];
  try {
    for (const label of [`${name}-a`, `${name}-b`]) pair.push(await startServer({ label, env, flags, abuse: 'default' }));
    for (const s of pair) await waitFor(async () => (await request(s, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 });
    await fn(pair);
  } catch (e) {
    for (const s of pair) annotate(e, s);
    throw e;
  } finally {
    await closeAllClients();
    for (const s of pair) if (!s.exit) await s.stop();
  }
}

// What the ALTCHA widget does: count up from 0 until sha256(salt + n) matches.
function solve(challenge) {
  for (let n = 0; n <= challenge.maxnumber; n++) {
    const h = crypto.createHash('sha256').update(challenge.salt + n).digest('hex');
    if (h === challenge.challenge) {
      const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number: n,
        salt: challenge.salt, signature: challenge.signature, took: 1 };
      return Buffer.from(JSON.stringify(payload)).toString('base64');
    }
  }
  throw new Error('unsolvable challenge');
}

const ALL_OFF = 'session_per_ip=off,connect_per_ip=off,report_per_device=off';

test('a device that hops instances spends one join budget and one session-token budget', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=2/60s/2,join_per_device=3/60s/3,next_per_device=off`, captcha: 'false' };
  await withTwo('budget', flags, async ([A, B]) => {
    // Session tokens: two for this device on A and B, the third on either is refused.
    const deviceId = crypto.randomBytes(12).toString('hex');
    const first = await request(A, 'POST', '/api/v1/session', { json: { deviceId } });
    assert.equal(first.status, 200, first.text);
    assert.equal((await request(B, 'POST', '/api/v1/session', { json: { deviceId } })).status, 200);
    const third = await request(A, 'POST', '/api/v1/session', { json: { deviceId } });
    assert.equal(third.status, 429, third.text);
    assert.equal(third.json.error.code, 'rate_limited');
    assert.ok(Number(third.headers['retry-after']) > 0, JSON.stringify(third.headers));

    // Joins: one token, sockets on both instances, three joins in all.
    const token = first.json.token;
    const a = await helloed(A, { token, label: 'dev@A' });
    const b = await helloed(B, { token, label: 'dev@B' });
    const lang = uniqueLang();
    const order = [a, b, a];
    for (const [i, c] of order.entries()) {
      c.send({ ...joinMsg(lang), id: 10 + i });
      const m = await c.next(['queued', 'error'], 3000);
      assert.equal(m.type, 'queued', `join ${i + 1}: ${JSON.stringify(m)}`);
      c.send({ type: 'leave', id: 20 + i });
      await c.next('left', 3000);
    }
    for (const c of [b, a]) {
      c.send({ ...joinMsg(lang), id: 30 });
      const refused = await c.next(['queued', 'error'], 3000);
      assert.equal(refused.type, 'error', `a fourth join on ${c.label} must be refused: ${JSON.stringify(refused)}`);
      assert.equal(refused.code, 'rate_limited');
      assert.ok(refused.retryAfterMs > 0);
    }
    // Counted by the instance that refused.
    const metrics = (await request(B, 'GET', '/metrics')).text;
    assert.match(metrics, /serendip_rate_limit_refused\{limit="join_per_device"\} [1-9]/);
    assert.match(metrics, /serendip_abuse_shared_fallback_total 0/);
  });
});

test('the abuse detector counts across instances: the CAPTCHA it asks is owed everywhere, each solution is spent once, and every instance shows the watch list', async () => {
  // Default rules: rapid_join fires at 10 joins within a minute.
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off` };
  await withTwo('detector', flags, async ([A, B]) => {
    const a = await helloed(A, { label: 'dev@A' });
    const b = await helloed(B, { token: a.token, label: 'dev@B' });
    const lang = uniqueLang();
    let captcha;
    let joins = 0;
    for (let i = 0; i < 12 && !captcha; i++) {
      const c = i % 2 === 0 ? a : b;  // five on each instance: neither alone reaches ten
      c.send({ ...joinMsg(lang), id: 100 + i });
      joins++;
      const m = await c.next(['queued', 'captcha_required', 'error'], 3000);
      if (m.type === 'captcha_required') {
        captcha = m;
        break;
      }
      assert.equal(m.type, 'queued', JSON.stringify(m));
      c.send({ type: 'leave' });
      await c.next('left', 3000);
    }
    assert.ok(captcha, 'captcha_required after ten joins spread over two instances');
    assert.equal(joins, 10);
    assert.equal(captcha.re, 109);  // the tenth join, on B

    // Owed on A too, before any join there is let through.
    a.send({ ...joinMsg(lang), id: 200 });
    const owed = await a.next(['captcha_required', 'queued'], 3000);
    assert.equal(owed.type, 'captcha_required', JSON.stringify(owed));

    // B's challenge solved on A (one key for every instance): accepted, the debt is gone everywhere.
    const payload = solve(captcha.challenge);
    a.send({ type: 'captcha', payload, id: 201 });
    const ok = await a.next(['captcha_ok', 'error'], 3000);
    assert.equal(ok.type, 'captcha_ok', JSON.stringify(ok));
    b.send({ ...joinMsg(lang), id: 202 });
    const joined = await b.next(['queued', 'captcha_required', 'matched'], 3000);
    assert.ok(['queued', 'matched'].includes(joined.type), JSON.stringify(joined));

    // The same solution on B is a replay.
    b.send({ type: 'captcha', payload, id: 203 });
    const replay = await b.next('error', 3000);
    assert.equal(replay.code, 'captcha_required');
    assert.match(replay.message, /replayed/);

    // Both dashboards list the hit (the watch list lives in Redis; each instance refreshes it every second).
    for (const s of [A, B]) {
      const token = await login(s, BOOT_ADMIN, BOOT_PASSWORD);
      await waitFor(async () => {
        const list = await adminGet(s, token, '/api/v1/admin/watchlist');
        return list.items.some((e) => e.rule === 'rapid_join' && e.subject === a.claims.did && e.kind === 'device');
      }, { timeoutMs: 5000 });
    }
  });
});

test('devices per IP are counted across instances', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`, captcha: 'false' };
  await withTwo('per-ip', flags, async ([A, B]) => {
    // Default: devices_per_ip fires at 8 distinct devices from one address within 10 minutes.
    for (let i = 0; i < 8; i++) await helloed(i % 2 === 0 ? A : B, { label: `d${i}`, localAddress: '127.0.0.9' });
    const token = await login(B, BOOT_ADMIN, BOOT_PASSWORD);
    await waitFor(async () => {
      const list = await adminGet(B, token, '/api/v1/admin/watchlist');
      return list.items.some((e) => e.rule === 'devices_per_ip' && e.kind === 'ip' && e.subject === '127.0.0.9');
    }, { timeoutMs: 5000 });
  });
});

test('three reporters on different instances block the reported user automatically, and the watch list says why', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`, captcha: 'false',
    'repeat-pair-cooldown-ms': 0 };
  await withTwo('reporters', flags, async ([A, B]) => {
    const lang = uniqueLang();
    const target = await helloed(A, { label: 'target@A' });
    // Reporters on B, A, B: no instance sees three of them.
    for (const [i, s] of [B, A, B].entries()) {
      const reporter = await helloed(s, { label: `reporter${i}` });
      target.send(joinMsg(lang));
      await target.next('queued');
      reporter.send(joinMsg(lang));
      const m = await reporter.next('matched', 3000);
      await target.next('matched', 3000);
      reporter.send({ type: 'report', sessionId: m.sessionId, reason: 'harassment', id: 9 });
      const ack = await reporter.next(['report_ack', 'error'], 3000);
      assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
      if (i < 2) {
        reporter.send({ type: 'leave' });
        await target.next('peer_left', 3000);
      }
    }
    const banned = await target.next('banned', 3000);
    assert.match(banned.reason, /automatic/);
    assert.equal((await target.closed()).code, 4003);
    // The other instance's dashboard lists the rule hit and the reports first.
    const token = await login(B, BOOT_ADMIN, BOOT_PASSWORD);
    await waitFor(async () => {
      const list = await adminGet(B, token, '/api/v1/admin/watchlist');
      return list.items.some((e) => e.rule === 'distinct_reporters' && e.subject === target.claims.did);
    }, { timeoutMs: 5000 });
  });
});

test('failed admin logins count on every instance: the sixth is refused wherever it lands, and a success clears the username', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off` };
  await withTwo('login', flags, async ([A, B]) => {
    const attempt = (s, password, localAddress) => request(s, 'POST', '/api/v1/admin/login',
      { json: { username: BOOT_ADMIN, password }, localAddress });
    // Five wrong passwords, alternating instances: neither instance alone sees five.
    for (let i = 0; i < 5; i++) {
      const res = await attempt(i % 2 === 0 ? A : B, 'wrong password', '127.0.0.21');
      assert.equal(res.status, 401, `attempt ${i + 1}: ${res.text}`);
    }
    for (const s of [A, B]) {
      const res = await attempt(s, BOOT_PASSWORD, '127.0.0.21');
      assert.equal(res.status, 429, `the right password after five failures on ${s.label}: ${res.text}`);
      assert.equal(res.json.error.code, 'rate_limited');
      assert.ok(Number(res.headers['retry-after']) > 0);
    }
    // The username is throttled from any address too (per-username count), as on one instance.
    assert.equal((await attempt(B, BOOT_PASSWORD, '127.0.0.22')).status, 429);
  });
});

test('a block made on one instance holds on the other at once, and its lift too (block caches follow each other)', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`, captcha: 'false' };
  await withTwo('blocks', flags, async ([A, B]) => {
    const token = await login(A, BOOT_ADMIN, BOOT_PASSWORD);
    // Both instances have loaded their block caches (empty) and checked this device since.
    const first = await helloed(B, { label: 'user@B' });
    first.send({ type: 'leave' });
    const did = first.claims.did;
    const made = await call(A, 'POST', '/api/v1/admin/blocks', { token, json: { device: did, durationS: 600, reason: 'cache test' } });
    expectStatus(made, 201, 'block');
    assert.equal((await first.next('banned', 2000)).reason, 'cache test');
    // Reconnecting to B with the same token: refused at hello.
    const again = await helloed(B, { token: first.token, label: 'again@B' }).then(
      () => null, (e) => e);
    assert.ok(again, 'hello on B after the block must not be welcomed');
    assert.match(String(again.message), /banned/);
    // Lifted on A: B lets the device in again within a second or two.
    expectStatus(await call(A, 'DELETE', `/api/v1/admin/blocks/${made.json.id}`, { token, json: { reason: 'lifted' } }), 200, 'lift');
    await waitFor(async () => {
      try {
        const c = await helloed(B, { token: first.token, label: 'back@B' });
        c.send({ type: 'leave' });
        return true;
      } catch {
        return false;
      }
    }, { timeoutMs: 3000 });
    const metrics = (await request(B, 'GET', '/metrics')).text;
    assert.match(metrics, /serendip_inbox_received_total\{kind="B"\} [1-9]/);
  });
});
