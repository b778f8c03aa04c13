// Issue 16, the server's side of the safety shield (metadata only): the
// report's `shield` field (stored, shown, validated, shield-flagged reports
// first among equals; WebSocket and REST), and the `shield_blur` signal: once
// per session, counted in the live stats, and several distinct viewers'
// shields on one device lead to a CAPTCHA for it and its reports reviewed
// first, never to a block.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  adminGet,
  call,
  freshSqlite,
  login,
  pair,
  report,
  user,
  withModServer,
} from './moderation-tools.mjs';
import { uniqueLang } from './util.mjs';

const part = async (a, b) => {
  b.send({ type: 'leave' });
  await a.next('peer_left', 3000);
};

test('reports with and without the shield verdict: stored, shown, validated, flagged ones first among equals', async () => {
  const db = freshSqlite();
  await withModServer(db, { label: 'shield-reports', flags: { 'repeat-pair-cooldown-ms': 0 } }, async (s) => {
    const lang = uniqueLang();
    const token = await login(s, BOOT_ADMIN, BOOT_PASSWORD);

    // An older plain report, then a shield-flagged one against someone else.
    const a = await user(s, { label: 'a' });
    const b = await user(s, { label: 'b' });
    const plain = await report(a, await pair(a, b, lang), 'nudity');
    assert.equal(plain.type, 'report_ack', JSON.stringify(plain));
    await part(a, b);

    const c = await user(s, { label: 'c' });
    const d = await user(s, { label: 'd' });
    const sid = await pair(c, d, lang);
    // Bad verdicts are refused and store nothing.
    for (const shield of ['nudity', { verdict: 'porn', score: 0.9 }, { verdict: 'nudity', score: 1.5 }, { verdict: 'nudity' }]) {
      const bad = await report(c, sid, 'nudity', { shield });
      assert.equal(bad.type, 'error', JSON.stringify(bad));
      assert.equal(bad.code, 'bad_request');
      assert.match(bad.message, /shield/);
    }
    const flagged = await report(c, sid, 'nudity', { shield: { verdict: 'nudity', score: 0.9346 } });
    assert.equal(flagged.type, 'report_ack', JSON.stringify(flagged));

    const one = await adminGet(s, token, `/api/v1/admin/reports/${flagged.reportId}`);
    assert.deepEqual(one.shield, { verdict: 'nudity', score: 0.935 });
    assert.equal((await adminGet(s, token, `/api/v1/admin/reports/${plain.reportId}`)).shield, null);

    // The REST twin takes the same field.
    const rest = await call(s, 'POST', '/api/v1/reports', {
      token: d.token,
      ip: d.ip,
      json: { sessionId: sid, reason: 'other', shield: { verdict: 'suggestive', score: 0.7 } },
    });
    assert.equal(rest.status, 201, JSON.stringify(rest.json));
    assert.deepEqual((await adminGet(s, token, `/api/v1/admin/reports/${rest.json.reportId}`)).shield, { verdict: 'suggestive', score: 0.7 });
    const restBad = await call(s, 'POST', '/api/v1/reports', { token: d.token, ip: d.ip, json: { sessionId: sid, reason: 'other', shield: 7 } });
    assert.equal(restBad.status, 400);

    // Pending and equal otherwise: the two shield-flagged reports come before the older plain one.
    const queue = await adminGet(s, token, '/api/v1/admin/reports?status=pending');
    assert.deepEqual(
      queue.items.map((r) => [String(r.id), r.shield !== null]),
      [[String(flagged.reportId), true], [String(rest.json.reportId), true], [String(plain.reportId), false]],
    );
  });
});

test('shield_blur: once per session, counted in the live stats; three viewers ask the device for a CAPTCHA and a review, no block', async () => {
  const db = freshSqlite();
  await withModServer(db, { label: 'shield-blur', abuse: 'default', flags: { 'repeat-pair-cooldown-ms': 0 } }, async (s) => {
    const lang = uniqueLang();
    const token = await login(s, BOOT_ADMIN, BOOT_PASSWORD);
    const target = await user(s, { label: 'target' });

    // A report against the target waits in the queue, not prioritized.
    const first = await user(s, { label: 'viewer0' });
    const sid0 = await pair(target, first, lang);
    const ack = await report(first, sid0, 'nudity');
    assert.equal(ack.type, 'report_ack', JSON.stringify(ack));

    // An unknown session is refused with its id.
    first.send({ type: 'shield_blur', id: 5, sessionId: 'f'.repeat(32) });
    const unknown = await first.next((m) => m.type === 'error' && m.re === 5, 3000);
    assert.equal(unknown.code, 'not_in_session');
    // The same viewer's shield firing many times in one session counts once.
    for (let i = 0; i < 4; i++) first.send({ type: 'shield_blur', sessionId: sid0 });
    await part(target, first);

    for (let i = 1; i <= 2; i++) {
      const viewer = await user(s, { label: `viewer${i}` });
      const sid = await pair(target, viewer, lang);
      viewer.send({ type: 'shield_blur', id: 100 + i, sessionId: sid });
      await part(target, viewer);
    }

    // Three distinct viewers: the target's next join asks for a CAPTCHA (no block, no ban).
    const stats = await adminGet(s, token, '/api/v1/admin/stats');
    assert.equal(stats.shieldBlurs, 3, JSON.stringify(stats));
    assert.ok(stats.shieldRate === null || (stats.shieldRate >= 0 && stats.shieldRate <= 1));
    target.send({ type: 'join', mode: 'video', languages: [lang], id: 77 });
    const answer = await target.next(['captcha_required', 'queued', 'banned'], 3000);
    assert.equal(answer.type, 'captcha_required', JSON.stringify(answer));

    const watch = await adminGet(s, token, '/api/v1/admin/watchlist');
    const hit = watch.items.find((e) => e.rule === 'shield_blur');
    assert.ok(hit, JSON.stringify(watch.items));
    assert.equal(hit.count, 3);
    assert.equal(hit.subject, target.claims.did);

    // Its pending report is now reviewed first (committed off the socket's thread: poll); nobody is blocked.
    let r;
    for (let i = 0; i < 50; i++) {
      r = await adminGet(s, token, `/api/v1/admin/reports/${ack.reportId}`);
      if (r.priority) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r.priority, true, 'the report against the device is prioritized');
    const blocks = await adminGet(s, token, '/api/v1/admin/blocks');
    assert.equal(blocks.items.filter((bl) => bl.device === target.claims.did && bl.active).length, 0);
  });
});
