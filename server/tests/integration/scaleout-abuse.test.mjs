// Scale-out, abuse prevention: instances sharing one Redis (and one database,
// as production does) spend one rate-limit budget per device and per IP, owe
// one CAPTCHA debt, count one abuse detector, spend each ALTCHA solution once
// and show one watch list, whichever instance a client reaches.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import { helloed, joinMsg, solveAltcha } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, adminGet, login } from './moderation-tools.mjs';
import { ALL_OFF, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { expectSoon, request, uniqueLang } from './util.mjs';

useSharedRedis();


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
      // A language per join: the rule counts joins, whatever the queue; and the other socket's
      // entry, still on its way out of the shared queue after its `left`, is not met here.
      c.send({ ...joinMsg(uniqueLang()), id: 100 + i });
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
    const payload = solveAltcha(captcha.challenge);
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
      await expectSoon(async () => {
        const list = await adminGet(s, token, '/api/v1/admin/watchlist');
        return list.items.some((e) => e.rule === 'rapid_join' && e.subject === a.claims.did && e.kind === 'device');
      }, 'rapid_join of the device on the watch list', { timeoutMs: 5000 });
    }
  });
});

// Joins (leaving after each) until the server demands a CAPTCHA; returns that message.
async function joinUntilCaptcha(c, lang, firstId) {
  for (let i = 0; i < 14; i++) {
    c.send({ ...joinMsg(lang), id: firstId + i });
    const m = await c.next(['queued', 'captcha_required', 'error'], 3000);
    if (m.type === 'captcha_required') return m;
    assert.equal(m.type, 'queued', JSON.stringify(m));
    c.send({ type: 'leave' });
    await c.next('left', 3000);
  }
  throw new Error(`[${c.label}] no captcha_required after 14 joins`);
}

test("a CAPTCHA solution pays only its own device's debt, and no harder one, on any instance", async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off` };
  await withTwo('captcha-bound', flags, async ([A, B]) => {
    const lang = uniqueLang();
    const x = await helloed(A, { label: 'x@A' });
    const xOnB = await helloed(B, { token: x.token, label: 'x@B' });
    const y = await helloed(B, { label: 'y@B' });
    const first = await joinUntilCaptcha(x, lang, 100);
    x.send({ ...joinMsg(lang), id: 130 });
    const spare = await x.next((m) => m.re === 130, 3000); // a second challenge of the same debt
    assert.equal(spare.type, 'captcha_required');
    await joinUntilCaptcha(y, lang, 300);

    // Y hands in X's solution on B: the wrong device, whichever instance made the challenge.
    y.send({ type: 'captcha', payload: solveAltcha(first.challenge), id: 401 });
    const stolen = await y.next((m) => m.re === 401, 3000);
    assert.equal(stolen.code, 'captcha_required', JSON.stringify(stolen));
    assert.match(stolen.message, /wrong_device/);

    // X pays with it on B (made on A): accepted.
    xOnB.send({ type: 'captcha', payload: solveAltcha(first.challenge), id: 402 });
    const ok = await xOnB.next((m) => m.re === 402, 3000);
    assert.equal(ok.type, 'captcha_ok', JSON.stringify(ok));

    // A repeat offence doubles the debt; the spare, easier challenge does not pay it.
    const harder = await joinUntilCaptcha(x, lang, 500);
    assert.ok(harder.challenge.maxnumber > spare.challenge.maxnumber, `${harder.challenge.maxnumber} > ${spare.challenge.maxnumber}`);
    xOnB.send({ type: 'captcha', payload: solveAltcha(spare.challenge), id: 403 });
    const cheap = await xOnB.next((m) => m.re === 403, 3000);
    assert.equal(cheap.code, 'captcha_required', JSON.stringify(cheap));
    assert.match(cheap.message, /too_easy/);
    x.send({ type: 'captcha', payload: solveAltcha(harder.challenge), id: 404 });
    assert.equal((await x.next((m) => m.re === 404, 3000)).type, 'captcha_ok');
  });
});

test('devices per IP are counted across instances', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`, captcha: 'false' };
  await withTwo('per-ip', flags, async ([A, B]) => {
    // Default: devices_per_ip fires at 8 distinct devices from one address within 10 minutes.
    for (let i = 0; i < 8; i++) await helloed(i % 2 === 0 ? A : B, { label: `d${i}`, localAddress: '127.0.0.9' });
    const token = await login(B, BOOT_ADMIN, BOOT_PASSWORD);
    await expectSoon(async () => {
      const list = await adminGet(B, token, '/api/v1/admin/watchlist');
      return list.items.some((e) => e.rule === 'devices_per_ip' && e.kind === 'ip' && e.subject === '127.0.0.9');
    }, 'devices_per_ip of 127.0.0.9 on the watch list of B', { timeoutMs: 5000 });
  });
});

