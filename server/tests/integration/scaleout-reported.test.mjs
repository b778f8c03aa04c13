// Scale-out: reported pairs in Redis. A pair reported on one instance is kept
// apart on every instance until the end of its window (a score in
// {mm:<mode>}:reported), ended pairs are forgotten, the release before's SET is
// moved over, a Redis that lost its data gets the pairs back from the
// database by one instance, not by every instance at every start, and a pair
// lost under the marker (a failover of an asynchronous replica) is written
// again by the instance that wrote it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { helloed, joinMsg } from './client.mjs';
import { ALL_OFF, sharedDbFile, sharedRedis, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { metric, randomDeviceId, request, sleep, uniqueLang, waitFor } from './util.mjs';

useSharedRedis();

const DAY_MS = 86_400_000;
const flags = {
  'rate-limits': `${ALL_OFF},session_per_device=off,join_per_device=off,next_per_device=off`,
  captcha: 'false',
  'repeat-pair-cooldown-ms': 0,
  'reported-pair-days': 2,
};

const member = (a, b) => [a, b].sort().join('|');
const score = (key, m) => sharedRedis().lines('ZSCORE', key, m)[0];
const loadedLines = (servers) =>
  servers.flatMap((s) => s.jsonLogs().filter((l) => l.event === 'reported_pairs_loaded'));

// Fresh sockets of both devices (one on each instance) join one language: no match
// in 1.5 s, and each is taken by a newcomer at once.
async function keptApart(A, B, devA, devB, tag) {
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
async function reportAcross(A, B, devA, devB) {
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

test('a pair reported on one instance is apart on the other for its window; Redis keeps its end; a Redis that lost it reloads once from the database', async () => {
  await withTwo('reported', flags, async ([A, B]) => {
    const devA = randomDeviceId();
    const devB = randomDeviceId();
    // An empty database is loaded at start: the marker says so, and only one instance loaded.
    assert.ok(await waitFor(() => score('{mm:video}:reported', '~loaded') !== undefined, { timeoutMs: 12_000 }), 'marker');
    assert.ok(await waitFor(() => loadedLines([A, B]).length === 1, { timeoutMs: 3000 }));
    assert.equal(loadedLines([A, B]).length, 1, 'one instance loaded the pairs');

    const pair = await reportAcross(A, B, devA, devB);
    await keptApart(A, B, devA, devB, 'reported');

    // Redis loses everything: one instance puts the pairs back from the database.
    await sharedRedis().flush();
    assert.ok(
      await waitFor(() => score('{mm:video}:reported', pair) !== undefined, { timeoutMs: 15_000 }),
      'the reported pair is back in Redis',
    );
    assert.ok(score('{mm:text}:reported', pair) !== undefined);
    assert.ok(score('{mm:video}:reported', '~loaded') !== undefined);
    // The log line follows the marker: wait for it, then for a second one that should not come.
    assert.ok(await waitFor(() => loadedLines([A, B]).length >= 2, { timeoutMs: 3000 }), 'reported_pairs_loaded logged');
    await sleep(500);
    assert.equal(loadedLines([A, B]).length, 2, 'loaded once more, by one instance');
    await keptApart(A, B, devA, devB, 'reloaded');
  });
});

test('ended pairs are forgotten and the release before SET is moved over with an end', async () => {
  await withTwo('reported-upkeep', flags, async ([A]) => {
    assert.ok(await waitFor(() => score('{mm:video}:reported', '~loaded') !== undefined, { timeoutMs: 12_000 }));
    const redis = sharedRedis();
    redis.lines('ZADD', '{mm:video}:reported', String(Date.now() - 1000), 'ended|pair');
    redis.lines('SADD', '{mm:video}:excl', 'old|pair');
    const movedAt = Date.now();
    assert.ok(
      await waitFor(() => score('{mm:video}:reported', 'old|pair') !== undefined, { timeoutMs: 12_000 }),
      'moved over',
    );
    const until = Number(score('{mm:video}:reported', 'old|pair'));
    assert.ok(Math.abs(until - (movedAt + 2 * DAY_MS)) < 15_000, `moved with the window: ${until - movedAt} ms`);
    assert.equal(redis.lines('EXISTS', '{mm:video}:excl')[0], '0');
    assert.equal(score('{mm:video}:reported', 'ended|pair'), undefined, 'the ended pair is gone');
    // Every instance exports the count (the marker not counted).
    assert.ok(
      await waitFor(async () => {
        const { text } = await request(A, 'GET', '/metrics');
        return /^serendip_reported_pairs 1$/m.test(text);
      }, { timeoutMs: 12_000 }),
      'serendip_reported_pairs 1',
    );
  });
});

test('a reload of many pairs goes out in chunks, the marker last, and leaves out pairs whose window ended', async () => {
  await withTwo('reported-bulk', flags, async ([A, B]) => {
    assert.ok(await waitFor(() => score('{mm:video}:reported', '~loaded') !== undefined, { timeoutMs: 12_000 }));
    assert.ok(await waitFor(() => loadedLines([A, B]).length === 1, { timeoutMs: 3000 }));
    // 1,234 pairs reported now and 5 three days ago (the window is two days), written
    // into the shared database behind the servers' back.
    const now = Date.now();
    const rows = [];
    for (let i = 0; i < 1239; i++) {
      const at = i < 1234 ? now : now - 3 * DAY_MS;
      rows.push(`(${at}, 's${i}', 'harassment', 'u${i}', 'bulk-a${i}', 'v${i}', 'bulk-b${i}', ${at - 60000}, 59000)`);
    }
    const sql =
      'INSERT INTO reports (created_at, session_id, reason, reporter_user_id, reporter_device_key, ' +
      `reported_user_id, reported_device_key, session_started_at, session_length_ms) VALUES ${rows.join(',')};`;
    const r = spawnSync('sqlite3', ['-batch', '-cmd', '.timeout 5000', sharedDbFile('reported-bulk'), sql], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const before = loadedLines([A, B]).length;
    await sharedRedis().flush();
    for (const key of ['{mm:video}:reported', '{mm:text}:reported']) {
      assert.ok(
        await waitFor(() => Number(sharedRedis().lines('ZCARD', key)[0]) === 1235 && score(key, '~loaded') !== undefined, {
          timeoutMs: 15_000,
        }),
        `${key}: 1,234 pairs and the marker (has ${sharedRedis().lines('ZCARD', key)[0]})`,
      );
      assert.equal(score(key, member('bulk-a1233', 'bulk-b1233')) !== undefined, true);
      assert.equal(score(key, member('bulk-a1234', 'bulk-b1234')), undefined, 'ended three days ago: not loaded');
    }
    assert.ok(await waitFor(() => loadedLines([A, B]).length > before, { timeoutMs: 3000 }), 'reported_pairs_loaded logged');
    await sleep(500);
    const loaded = loadedLines([A, B]).slice(before);
    assert.equal(loaded.length, 1, 'one instance loaded them');
    assert.equal(loaded[0].pairs, 1234);
  });
});

test('a reported pair that Redis lost under its marker (a failover) is written again by the instance that wrote it', async () => {
  await withTwo('reported-restore', flags, async ([A, B]) => {
    const devA = randomDeviceId();
    const devB = randomDeviceId();
    assert.ok(await waitFor(() => score('{mm:video}:reported', '~loaded') !== undefined, { timeoutMs: 12_000 }), 'marker');
    const pair = await reportAcross(A, B, devA, devB);
    const until = score('{mm:text}:reported', pair);
    // What an asynchronous replica promoted too early looks like: the marker is
    // there (written long before), the report answered a moment ago is not.
    for (const key of ['{mm:video}:reported', '{mm:text}:reported']) sharedRedis().lines('ZREM', key, pair);
    assert.ok(score('{mm:video}:reported', '~loaded') !== undefined);
    for (const key of ['{mm:video}:reported', '{mm:text}:reported']) {
      assert.ok(await waitFor(() => score(key, pair) !== undefined, { timeoutMs: 15_000 }), `${pair} back in ${key}`);
    }
    assert.equal(score('{mm:text}:reported', pair), until, 'with the end it had');
    // The instance that wrote it (B, where the report was made) says so, once per mode.
    assert.ok(
      await waitFor(() => B.jsonLogs().filter((l) => l.event === 'reported_pairs_restored').length === 2, { timeoutMs: 3000 }),
      'reported_pairs_restored logged for both modes',
    );
    assert.deepEqual(
      B.jsonLogs().filter((l) => l.event === 'reported_pairs_restored').map((l) => [l.mode, l.pairs]).sort(),
      [['text', 1], ['video', 1]],
    );
    assert.equal(A.jsonLogs().filter((l) => l.event === 'reported_pairs_restored').length, 0, 'A wrote nothing');
    assert.equal(await metric(B, 'serendip_reported_pairs_restored_total'), 2);
    // Added again at every upkeep while in the window, but counted only when it was missing.
    await sleep(11_000);
    assert.equal(await metric(B, 'serendip_reported_pairs_restored_total'), 2);
    await keptApart(A, B, devA, devB, 'restored');
  });
});
