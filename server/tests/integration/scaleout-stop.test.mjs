// Scale-out, a clean stop (a rolling deploy's SIGTERM): the stopping instance
// drains its sockets, then leaves the cluster before it exits. The others
// count it gone at their next beat (not 3 s later, when it would look dead),
// never report it dead, tell its sockets' partners at once, and its records
// (queue, session, figures) are gone from Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, join, login, pair, startModServer, user } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate } from './server.mjs';
import { expectSoon, metric, request, sleep, uniqueLang, waitFor } from './util.mjs';

let redis;
let db;
const instances = [];

async function startInstance(label) {
  const s = await startModServer(db, { label, env: { SERENDIP_REDIS_URL: redis.url } });
  instances.push(s);
  await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${label} ready`, { timeoutMs: 8000 });
  s.instanceId = s.jsonLogs().find((l) => l.event === 'shared_state_redis')?.instance;
  assert.ok(s.instanceId, `${label}: no instance id in its log`);
  return s;
}

before(async () => {
  redis = await RedisServer.start();
  db = freshSqlite();
});

after(async () => {
  await closeAllClients();
  for (const s of instances) if (!s.exit) await s.stop();
  await redis?.stop();
});



test('an instance stopped with SIGTERM leaves the cluster at once: counted gone within a beat, never reported dead, its partners told, its records removed', async () => {
  const A = await startInstance('stop-a');
  const B = await startInstance('stop-b');
  try {
    for (const s of [A, B]) {
      assert.ok(await waitFor(async () => (await metric(s, 'serendip_instances_live')) === 2, { timeoutMs: 8000 }), `${s.label}: never saw 2 live`);
    }
    const a = await user(A, { label: 'a@A' });
    const b = await user(B, { label: 'b@B' });
    await user(A, { label: 'idle@A' });
    await pair(a, b, uniqueLang());
    // One waiting on B, in a queue of its own.
    const lang = uniqueLang();
    const w = await user(B, { label: 'waiting@B' });
    join(w, lang);
    await w.next('queued');
    const admin = await login(A, BOOT_ADMIN, BOOT_PASSWORD);
    const stats = async () => {
      const res = await call(A, 'GET', '/api/v1/admin/stats', { token: admin });
      expectStatus(res, 200, 'GET /api/v1/admin/stats');
      return res.json;
    };
    assert.ok(await waitFor(async () => (await stats()).onlineUsers === 4, { timeoutMs: 3000 }), JSON.stringify(await stats()));
    const deadBefore = await metric(A, 'serendip_instances_dead_total');

    await B.stop();
    const exitedAt = Date.now();
    assert.equal(B.exit.code, 0, `B exited with ${JSON.stringify(B.exit)}`);
    const lines = B.jsonLogs();
    assert.ok(lines.some((l) => l.event === 'left_cluster'), 'B logged no left_cluster');
    assert.equal(lines.find((l) => l.event === 'hub_finish_timed_out'), undefined, 'B stopped without finishing');

    // Nothing of B is left in Redis, as soon as it is gone.
    assert.deepEqual(
      redis.lines('ZRANGE', '{serendip}:instances', '0', '-1').filter((id) => id === B.instanceId),
      [],
      'B still listed',
    );
    assert.equal(redis.lines('HEXISTS', '{serendip}:figures', B.instanceId)[0], '0');
    assert.equal(redis.lines('EXISTS', `sessions:{${B.instanceId}}`)[0], '0');
    const records = redis.lines('HKEYS', '{mm:video}:tickets').filter((t) => t.startsWith(`${B.instanceId}/`));
    assert.deepEqual(records, [], 'queue records of B left behind');

    // B's partner on A was told; A counts one instance and its own users within about a beat.
    assert.equal((await a.next('peer_left', 1000)).reason, 'disconnect');
    assert.ok(await waitFor(async () => (await metric(A, 'serendip_instances_live')) === 1, { timeoutMs: 1500 }), 'A still counts B');
    assert.ok(await waitFor(async () => (await stats()).onlineUsers === 2, { timeoutMs: 1500 }), JSON.stringify(await stats()));
    assert.ok(Date.now() - exitedAt < 2500, `A caught up ${Date.now() - exitedAt} ms after B exited`);

    // Past the 3 s a silent instance needs to be found dead: B was not.
    await sleep(4000);
    assert.equal(await metric(A, 'serendip_instances_dead_total'), deadBefore, 'A reported B dead');
    // And nobody is matched with the user who waited on B.
    const late = await user(A, { label: 'late@A' });
    join(late, lang);
    assert.equal((await late.next(['queued', 'matched'], 2000)).type, 'queued');
  } catch (e) {
    throw annotate(e, ...instances);
  } finally {
    await closeAllClients();
  }
});
