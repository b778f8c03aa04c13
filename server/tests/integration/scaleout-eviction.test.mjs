// Scale-out on a Redis that may evict keys (a memory limit with an LRU policy,
// the default of several managed services): the queues, presence and abuse
// state would disappear under memory pressure. The instance says so in its
// log and its metrics, counts the keys Redis evicted, and stops saying so
// once the policy is noeviction.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { freshSqlite, startModServer } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate } from './server.mjs';
import { metric, request, waitFor } from './util.mjs';

let redis;
let server;

before(async () => {
  redis = await RedisServer.start({ args: ['--maxmemory', '8mb', '--maxmemory-policy', 'allkeys-lru'] });
});

after(async () => {
  await closeAllClients();
  if (server && !server.exit) await server.stop();
  await redis?.stop();
});



test('a Redis that may evict is reported (log and metric), its evictions are counted, and noeviction clears it', async () => {
  server = await startModServer(freshSqlite(), { label: 'evict', env: { SERENDIP_REDIS_URL: redis.url } });
  try {
    assert.ok(await waitFor(async () => (await request(server, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 }), 'not ready');
    assert.ok(await waitFor(async () => (await metric(server, 'serendip_redis_masters_may_evict')) === 1, { timeoutMs: 5000 }));
    const warned = server.jsonLogs().find((l) => l.event === 'redis_may_evict');
    assert.ok(warned, 'no redis_may_evict warning');
    assert.equal(warned.level, 'warn');
    assert.match(warned.masters, new RegExp(`127\\.0\\.0\\.1:${redis.port} allkeys-lru`));
    assert.match(warned.hint, /noeviction/);
    assert.equal(await metric(server, 'serendip_redis_evicted_keys'), 0);

    // 30 MB into an 8 MB Redis: it evicts, and the instance counts it at its next check (every 10 s).
    redis.lines('EVAL', "for i = 1, 30000 do redis.call('SET', 'junk:' .. i, string.rep('x', 1000)) end", '0');
    const evicted = Number(redis.lines('INFO', 'stats').join('\n').match(/evicted_keys:(\d+)/)[1]);
    assert.ok(evicted > 0, 'Redis evicted nothing');
    assert.ok(
      await waitFor(async () => (await metric(server, 'serendip_redis_evicted_keys')) >= evicted, { timeoutMs: 12_000, intervalMs: 250 }),
      `evicted_keys never reached ${evicted}`,
    );

    redis.lines('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    assert.ok(await waitFor(async () => (await metric(server, 'serendip_redis_masters_may_evict')) === 0, { timeoutMs: 12_000, intervalMs: 250 }));
    assert.ok(server.jsonLogs().some((l) => l.event === 'redis_eviction_off'), 'no redis_eviction_off');
  } catch (e) {
    throw annotate(e, server);
  }
});
