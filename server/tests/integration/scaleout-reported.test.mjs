// Scale-out: reported pairs in Redis. A pair reported on one instance is kept
// apart on every instance until the end of its window (a score in
// {mm:<mode>}:reported), ended pairs are forgotten, the release before's SET is
// moved over, and a Redis that lost its data gets the pairs back from the
// database by one instance, not by every instance at every start
// (scaleout-reported-restore.test.mjs: a pair lost under the marker).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { DAY_MS, keptApart, member, reportAcross, reportedFlags as flags, score } from './reported-tools.mjs';
import { sharedDbFile, sharedRedis, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { randomDeviceId, request, sleep, waitFor } from './util.mjs';

useSharedRedis();

const loadedLines = (servers) =>
  servers.flatMap((s) => s.jsonLogs().filter((l) => l.event === 'reported_pairs_loaded'));

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
