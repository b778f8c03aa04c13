// Scale-out, the safety shield's signal (issue 16): viewers on two instances
// sharing one Redis each send shield_blur about the same stranger; the shared
// detector (abuse.lua op shield) counts them together, so the stranger owes a
// CAPTCHA on every instance and both show the shield_blur watch entry. No block.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { helloed, joinMsg } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, adminGet, login } from './moderation-tools.mjs';
import { ALL_OFF, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { uniqueLang, waitFor } from './util.mjs';

useSharedRedis();

test('three viewers on two instances: the stranger owes a CAPTCHA everywhere, one shared watch entry, no block', async () => {
  const flags = { 'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off` };
  await withTwo('shield', flags, async ([A, B]) => {
    const target = await helloed(A, { label: 'target@A' });
    const viewers = [
      await helloed(A, { label: 'viewer1@A' }),
      await helloed(B, { label: 'viewer2@B' }),
      await helloed(B, { label: 'viewer3@B' }),
    ];
    for (const [i, v] of viewers.entries()) {
      const lang = uniqueLang();
      target.send(joinMsg(lang));
      await target.next('queued', 3000);
      v.send(joinMsg(lang));
      const m = await v.next('matched', 5000);
      await target.next('matched', 5000);
      v.send({ type: 'shield_blur', id: 40 + i, sessionId: m.sessionId });
      v.send({ type: 'leave', id: 50 + i });
      await v.next('left', 3000);
      await target.next('peer_left', 3000);
    }

    // The target's next join, on A, and a socket of the same device on B: a CAPTCHA first.
    const answers = [];
    target.send({ ...joinMsg(uniqueLang()), id: 60 });
    answers.push(await target.next(['captcha_required', 'queued', 'banned'], 3000));
    const again = await helloed(B, { token: target.token, label: 'target@B' });
    again.send({ ...joinMsg(uniqueLang()), id: 61 });
    answers.push(await again.next(['captcha_required', 'queued', 'banned'], 3000));
    for (const a of answers) assert.equal(a.type, 'captcha_required', JSON.stringify(a));

    for (const server of [A, B]) {
      const token = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
      const entry = await waitFor(async () => {
        const list = await adminGet(server, token, '/api/v1/admin/watchlist');
        return list.items.find((e) => e.rule === 'shield_blur' && e.subject === target.claims.did);
      }, { timeoutMs: 5000 });
      assert.ok(entry, 'the shield_blur watch entry');
      assert.equal(entry.count, 3);
      const blocks = await adminGet(server, token, '/api/v1/admin/blocks');
      assert.equal(blocks.items.filter((b) => b.device === target.claims.did && b.active).length, 0);
    }
  });
});
