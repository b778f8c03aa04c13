// Helpers of the reported-pair tests (scaleout-reported*.test.mjs): two instances on the
// shared Redis, a pair reported across them, and a check that it is kept apart.
import assert from 'node:assert/strict';

import { helloed, joinMsg } from './client.mjs';
import { ALL_OFF, sharedRedis } from './scaleout-tools.mjs';
import { uniqueLang, waitFor } from './util.mjs';

export const DAY_MS = 86_400_000;
// Two days of reported-pair window; no limits, CAPTCHAs or cooldowns in the way.
export const reportedFlags = {
  'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`,
  captcha: 'false',
  'repeat-pair-cooldown-ms': 0,
  'reported-pair-days': 2,
};

export const member = (a, b) => [a, b].sort().join('|');
export const score = (key, m) => sharedRedis().lines('ZSCORE', key, m)[0];

// Fresh sockets of both devices (one on each instance) join one language: no match
// in 1.5 s, and each is taken by a newcomer at once.
export async function keptApart(A, B, devA, devB, tag) {
  const lang = uniqueLang();
  const a = await helloed(A, { label: `a-${tag}`, deviceId: devA });
  const b = await helloed(B, { label: `b-${tag}`, deviceId: devB });
  a.send(joinMsg(lang));
  await a.next('queued');
  b.send(joinMsg(lang));
  await b.next('queued');
  await Promise.all([a.expectNone('matched', 1500), b.expectNone('matched', 1500)]);
  for (const [i, s] of [A, B].entries()) {
    const c = await helloed(s, { label: `c${i}-${tag}` });
    c.send(joinMsg(lang));
    await c.next('matched', 3000);
  }
  await Promise.all([a.next('matched', 3000), b.next('matched', 3000)]);
  for (const s of [a, b]) s.close();
}

// A (device devA) on instance A and B (devB) on instance B are matched, and B
// reports A: the pair is in both modes' sets with an end two days on. Returns
// the pair's member.
export async function reportAcross(A, B, devA, devB) {
  const lang = uniqueLang();
  const a = await helloed(A, { label: 'a', deviceId: devA });
  const b = await helloed(B, { label: 'b', deviceId: devB });
  a.send(joinMsg(lang));
  await a.next('queued');
  b.send(joinMsg(lang));
  const m = await b.next('matched', 3000);
  await a.next('matched', 3000);
  const reportedAt = Date.now();
  b.send({ type: 'report', sessionId: m.sessionId, reason: 'harassment', id: 1 });
  assert.equal((await b.next(['report_ack', 'error'], 3000)).type, 'report_ack');
  const pair = member(a.claims.did, b.claims.did);
  for (const key of ['{mm:video}:reported', '{mm:text}:reported']) {
    assert.ok(await waitFor(() => score(key, pair) !== undefined, { timeoutMs: 3000 }), `${pair} in ${key}`);
    const until = Number(score(key, pair));
    assert.ok(Math.abs(until - (reportedAt + 2 * DAY_MS)) < 60_000, `kept apart two days: ${until - reportedAt} ms`);
  }
  a.close();
  b.close();
  return pair;
}
