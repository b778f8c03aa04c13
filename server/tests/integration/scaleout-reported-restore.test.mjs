// Scale-out: a reported pair that Redis lost while its marker stayed (a failover
// that promoted an asynchronous replica a moment after the report was answered)
// is written again by the instance that wrote it, and counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { keptApart, reportAcross, reportedFlags as flags, score } from './reported-tools.mjs';
import { sharedRedis, useSharedRedis, withTwo } from './scaleout-tools.mjs';
import { metric, randomDeviceId, sleep, waitFor } from './util.mjs';

useSharedRedis();

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
