// Issue 7 over real sockets: rapid nexts put a device on the watch list and
// demand a CAPTCHA (ALTCHA); a join without a solution is refused; a solution
// computed the way the widget does lets it join; replayed and forged solutions
// are refused; three distinct reporters block a user automatically and their
// reports jump the moderation queue; rate limits trip at their configured rate
// and recover (REST reports share the WebSocket's per-device report limit).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';

import { createSession, helloed, joinMsg, solveAltcha } from './client.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  adminGet,
  auditEntries,
  call,
  freshSqlite,
  login,
  pair,
  report,
  user,
  withModServer,
} from './moderation-tools.mjs';
import { withServer } from './server.mjs';
import { nextSourceAddress, request, sleep, uniqueLang } from './util.mjs';


test('rapid nexts demand a CAPTCHA; joins are refused until a real solution, replays and forgeries fail', async () => {
  await withServer({ label: 'abuse-captcha', abuse: 'default' }, async (s) => {
    const lang = uniqueLang();
    const a = await helloed(s, { label: 'skipper' });
    const b = await helloed(s, { label: 'partner' });
    a.send(joinMsg(lang));
    await a.next('queued');
    // Next, next, next... (the partner keeps re-joining so there is always someone).
    let captcha;
    for (let i = 0; i < 12 && !captcha; i++) {
      b.send(joinMsg(lang));
      a.send({ type: 'next', id: 100 + i });
      const m = await a.next(['queued', 'captcha_required', 'error'], 3000);
      if (m.type === 'captcha_required') captcha = m;
    }
    assert.ok(captcha, 'captcha_required after rapid nexts');
    assert.equal(captcha.challenge.algorithm, 'SHA-256');
    assert.ok(captcha.challenge.maxnumber > 0 && typeof captcha.challenge.signature === 'string');

    // A join without a solution is refused with a new challenge.
    a.send({ ...joinMsg(lang), id: 1 });
    const refused = await a.next(['captcha_required', 'queued'], 3000);
    assert.equal(refused.type, 'captcha_required');
    assert.equal(refused.re, 1);

    // A forged solution (right hash, wrong signature) is refused.
    const forged = { ...refused.challenge, signature: '0'.repeat(64) };
    a.send({ type: 'captcha', payload: solveAltcha(forged), id: 2 });
    const err = await a.next('error', 3000);
    assert.equal(err.code, 'captcha_required');
    assert.match(err.message, /bad_signature/);
    const fresh = await a.next('captcha_required', 3000);

    // A real solution is accepted and the device can join again.
    const payload = solveAltcha(fresh.challenge);
    a.send({ type: 'captcha', payload, id: 3 });
    const ok = await a.next(['captcha_ok', 'error'], 3000);
    assert.equal(ok.type, 'captcha_ok', JSON.stringify(ok));
    assert.equal(ok.re, 3);
    a.send({ ...joinMsg(lang), id: 4 });
    const accepted = await a.next(['queued', 'captcha_required', 'matched'], 3000);
    assert.ok(['queued', 'matched'].includes(accepted.type), JSON.stringify(accepted));

    // The same solution again is a replay.
    a.send({ type: 'captcha', payload, id: 5 });
    const replay = await a.next('error', 3000);
    assert.match(replay.message, /replayed/);

    // Visible to operators: the rule hit is a metric.
    const metrics = (await request(s, 'GET', '/metrics')).text;
    assert.match(metrics, /serendip_abuse_rule_hits\{rule="rapid_next"\} [1-9]/);
    assert.match(metrics, /serendip_captcha_total\{outcome="solved"\} 1/);
  });
});

// Rapid nexts until the server demands a CAPTCHA; returns the skipper and its challenge.
async function owingCaptcha(s, label) {
  const lang = uniqueLang();
  const a = await helloed(s, { label });
  const b = await helloed(s, { label: `${label}-partner` });
  a.send(joinMsg(lang));
  await a.next('queued');
  for (let i = 0; i < 12; i++) {
    b.send(joinMsg(lang));
    a.send({ type: 'next', id: 100 + i });
    const m = await a.next(['queued', 'captcha_required', 'error'], 3000);
    if (m.type === 'captcha_required') return { client: a, challenge: m.challenge, lang };
  }
  throw new Error(`${label}: no captcha_required after rapid nexts`);
}

test("a CAPTCHA solution works only for the device it was sent to: another device's is refused and its debt stays", async () => {
  await withServer({ label: 'abuse-captcha-bound', abuse: 'default' }, async (s) => {
    const a = await owingCaptcha(s, 'owes-a');
    const b = await owingCaptcha(s, 'owes-b');
    // The salt names the device (a tag, not its key) and the difficulty.
    assert.match(a.challenge.salt, /\?expires=\d+&device=[0-9a-f]{16}&max=\d+&$/);
    assert.notEqual(/device=([0-9a-f]+)/.exec(a.challenge.salt)[1], /device=([0-9a-f]+)/.exec(b.challenge.salt)[1]);
    assert.ok(!a.challenge.salt.includes(a.client.claims.did));

    // B hands in A's (valid, unspent) solution: refused, and B still owes its own.
    const aSolution = solveAltcha(a.challenge);
    b.client.send({ type: 'captcha', payload: aSolution, id: 1 });
    const err = await b.client.next('error', 3000);
    assert.equal(err.code, 'captcha_required');
    assert.match(err.message, /wrong_device/);
    await b.client.next('captcha_required', 3000); // a fresh one: the debt stays
    b.client.send({ ...joinMsg(b.lang), id: 2 });
    const answer = await b.client.next((m) => m.re === 2, 3000);
    assert.equal(answer.type, 'captcha_required', `the join is still refused: ${JSON.stringify(answer)}`);

    // A's solution was not spent by B's attempt: A can still use it.
    a.client.send({ type: 'captcha', payload: aSolution, id: 3 });
    const ok = await a.client.next(['captcha_ok', 'error'], 3000);
    assert.equal(ok.type, 'captcha_ok', JSON.stringify(ok));
  });
});

test('three distinct reporters against one user block it automatically, at once', async () => {
  await withServer({ label: 'abuse-reports', abuse: 'default', flags: { 'repeat-pair-cooldown-ms': 0 } }, async (s) => {
    const lang = uniqueLang();
    const target = await helloed(s, { label: 'target' });
    for (let i = 0; i < 3; i++) {
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
    assert.equal(banned.appealable, true);
    assert.match(banned.reason, /automatic/);
    const closed = await target.closed();
    assert.equal(closed.code, 4003);
    const again = await createSession(s, { deviceId: target.deviceId }).catch((e) => e);
    assert.ok(again instanceof Error || again.status === 403, 'new token refused');
  });
});

test('an automatic block sends the reported user\'s reports to the front of the moderation queue', async () => {
  const db = freshSqlite();
  await withModServer(db, { label: 'abuse-priority', abuse: 'default', flags: { 'repeat-pair-cooldown-ms': 0 } }, async (s) => {
    const lang = uniqueLang();
    // An older report against someone else waits in the queue first.
    const x = await user(s, { label: 'x' });
    const y = await user(s, { label: 'y' });
    const older = await report(y, await pair(x, y, lang), 'spam');
    assert.equal(older.type, 'report_ack', JSON.stringify(older));
    y.send({ type: 'leave' });
    await x.next('peer_left', 3000);

    const target = await user(s, { label: 'target' });
    for (let i = 0; i < 3; i++) {
      const reporter = await user(s, { label: `reporter${i}` });
      const ack = await report(reporter, await pair(target, reporter, lang));
      assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
      if (i < 2) {
        reporter.send({ type: 'leave' });
        await target.next('peer_left', 3000);
      }
    }
    assert.match((await target.next('banned', 3000)).reason, /automatic/);

    const token = await login(s, BOOT_ADMIN, BOOT_PASSWORD);
    const queue = await adminGet(s, token, '/api/v1/admin/reports?status=pending');
    assert.deepEqual(
      queue.items.map((r) => [r.reported.userId, r.priority]),
      [[target.userId, true], [target.userId, true], [target.userId, true], [x.userId, false]],
      'the blocked user\'s three reports first, then the older one',
    );
    const only = await adminGet(s, token, '/api/v1/admin/reports?priority=true');
    assert.equal(only.items.length, 3);
    const bad = await call(s, 'GET', '/api/v1/admin/reports?priority=maybe', { token });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'bad_request');

    // Both automatic actions are in the audit log, the block first.
    const audit = await auditEntries(s, token);
    const block = audit.find((e) => e.action === 'block.create' && e.actor === 'auto');
    const prio = audit.find((e) => e.action === 'report.prioritize');
    assert.ok(block && prio, audit.map((e) => `${e.action}:${e.actor}`).join(', '));
    assert.equal(prio.actor, 'auto');
    assert.equal(prio.target, `device:${queue.items[0].reported.device}`);
    assert.ok(prio.seq > block.seq);
  });
});

test('REST reports take from the same per-device report limit as WebSocket reports', async () => {
  const db = freshSqlite();
  await withModServer(db, { label: 'abuse-report-limit', abuse: 'default', flags: { 'rate-limits': 'report_per_device=1/2s/1' } }, async (s) => {
    const lang = uniqueLang();
    const reporter = await user(s, { label: 'reporter' });
    const first = await user(s, { label: 'first' });
    const ack = await report(reporter, await pair(first, reporter, lang));
    assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
    reporter.send({ type: 'leave' });
    await first.next('peer_left', 3000);

    const second = await user(s, { label: 'second' });
    const sessionId = await pair(second, reporter, lang);
    const post = () => call(s, 'POST', '/api/v1/reports', { token: reporter.token, ip: reporter.ip,
      json: { sessionId, reason: 'spam' } });
    const refused = await post();
    assert.equal(refused.status, 429, JSON.stringify(refused.json));
    assert.equal(refused.json.error.code, 'rate_limited');
    assert.ok(refused.json.error.retryAfterMs > 0);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    await sleep(refused.json.error.retryAfterMs + 50);
    const accepted = await post();
    assert.equal(accepted.status, 201, JSON.stringify(accepted.json));
    assert.ok(accepted.json.reportId > 0);
  });
});

test('token and join limits trip at their configured rate and recover after the window', async () => {
  await withServer({ label: 'abuse-limits', abuse: 'default', flags: { 'rate-limits': 'session_per_device=1/2s/2,join_per_device=1/2s/3' } }, async (s) => {
    const deviceId = `limits-${crypto.randomBytes(8).toString('hex')}`;
    const post = () => request(s, 'POST', '/api/v1/session', { json: { deviceId }, localAddress: nextSourceAddress() });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 200);
    const refused = await post();
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.json.error.code, 'rate_limited');
    assert.ok(refused.json.error.retryAfterMs > 0);
    await sleep(2100);
    assert.equal((await post()).status, 200, 'recovered after the window');

    const c = await helloed(s, { label: 'joiner' });
    const lang = uniqueLang();
    for (let i = 0; i < 3; i++) {
      c.send({ ...joinMsg(lang), id: i });
      assert.equal((await c.next(['queued', 'error'], 3000)).type, 'queued');
    }
    c.send({ ...joinMsg(lang), id: 9 });
    const limited = await c.next(['queued', 'error'], 3000);
    assert.equal(limited.type, 'error');
    assert.equal(limited.code, 'rate_limited');
    assert.equal(limited.re, 9);
    assert.ok(limited.retryAfterMs > 0);
    await sleep(limited.retryAfterMs + 50);
    c.send({ ...joinMsg(lang), id: 10 });
    const again = await c.next(['queued', 'error'], 3000);
    assert.equal(again.type, 'queued', `after waiting retryAfterMs (${limited.retryAfterMs}): ${JSON.stringify(again)}`);
  });
});

test('reports over REST count too: three distinct reporters block the user automatically', async () => {
  await withServer({ label: 'abuse-rest-reports', abuse: 'default', flags: { 'repeat-pair-cooldown-ms': 0 } }, async (s) => {
    const lang = uniqueLang();
    const target = await helloed(s, { label: 'target' });
    for (let i = 0; i < 3; i++) {
      const reporter = await helloed(s, { label: `rest-reporter${i}` });
      target.send(joinMsg(lang));
      await target.next('queued');
      reporter.send(joinMsg(lang));
      const m = await reporter.next('matched', 3000);
      await target.next('matched', 3000);
      const res = await request(s, 'POST', '/api/v1/reports', {
        json: { sessionId: m.sessionId, reason: 'spam' },
        headers: { authorization: `Bearer ${reporter.token}` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.json));
      if (i < 2) {
        reporter.send({ type: 'leave' });
        await target.next('peer_left', 3000);
      }
    }
    const banned = await target.next('banned', 3000);
    assert.match(banned.reason, /automatic/);
    assert.equal((await target.closed()).code, 4003);
  });
});

test('limiter memory stays bounded while 10,000 distinct device ids hammer the token endpoint', async () => {
  await withServer({ label: 'abuse-flood', abuse: 'default', flags: { 'rate-limits': 'session_per_ip=off' } }, async (s) => {
    const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))[1]);
    const entries = async () => {
      const m = /serendip_rate_limit_entries (\d+)/.exec((await request(s, 'GET', '/metrics')).text);
      return Number(m[1]);
    };
    const before = rssKb();
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < 10_000) {
        const i = next++;
        const res = await request(s, 'POST', '/api/v1/session', { json: { deviceId: `flood-device-${String(i).padStart(8, '0')}` } });
        if (res.status === 200) ok++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    assert.equal(ok, 10_000, 'each new device gets its first token');
    const held = await entries();
    const grownKb = rssKb() - before;
    // One bucket per device at most, a few hundred bytes each: far below the cap and a few MB.
    assert.ok(held <= 10_000, `buckets held: ${held}`);
    assert.ok(grownKb < 40 * 1024, `server RSS grew by ${grownKb} KiB`);
    console.log(`# flood: ${held} buckets held, RSS +${grownKb} KiB for 10,000 devices`);
  });
});
