// Scale-out, moderation: instances sharing one Redis and one database: three
// reporters spread over instances block a user automatically, failed admin
// logins count on every instance (per address and username, and per address),
// and a block or its lift made on one instance holds on the others at once
// (their block caches follow).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { helloed, joinMsg } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, adminGet, call, expectStatus, login } from './moderation-tools.mjs';
import { ALL_OFF, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { expectSoon, request, uniqueLang } from './util.mjs';

useSharedRedis();

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
    await expectSoon(async () => {
      const list = await adminGet(B, token, '/api/v1/admin/watchlist');
      return list.items.some((e) => e.rule === 'distinct_reporters' && e.subject === target.claims.did);
    }, 'distinct_reporters of the target on the watch list of B', { timeoutMs: 5000 });
  });
});

test('failed admin logins count on every instance: the sixth from that address waits wherever it lands, another address gets in', async () => {
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
    // No lockout of the username: the moderator at another address gets in on either instance.
    assert.equal((await attempt(B, BOOT_PASSWORD, '127.0.0.22')).status, 200);
    assert.equal((await attempt(A, BOOT_PASSWORD, '127.0.0.22')).status, 200);
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
    await expectSoon(async () => {
      try {
        const c = await helloed(B, { token: first.token, label: 'back@B' });
        c.send({ type: 'leave' });
        return true;
      } catch {
        return false;
      }
    }, 'the device let in on B again once the block was lifted on A', { timeoutMs: 3000 });
    const metrics = (await request(B, 'GET', '/metrics')).text;
    assert.match(metrics, /serendip_inbox_received_total\{kind="B"\} [1-9]/);
  });
});
