// Scale-out, presence and cluster figures: three instances on one Redis and
// one database. A ban made on one instance reaches only the instance that
// holds the banned socket (its presence record says which), never the others;
// presence left behind by an instance killed with kill -9 is skipped and
// cleaned; presence lost with a Redis restart is written again; the session
// record names the instance of each side; and the admin dashboard of any
// instance counts the users of all of them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, login, nextIp, pair, startModServer, user } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate } from './server.mjs';
import { expectSoon, metric, parseMetrics, request, sleep, uniqueLang } from './util.mjs';

let redis;
let db;
const instances = [];
let admin;

async function startInstance(label) {
  const s = await startModServer(db, { label, env: { SERENDIP_REDIS_URL: redis.url } });
  await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${label} ready`, { timeoutMs: 8000 });
  const line = s.jsonLogs().find((l) => l.event === 'shared_state_redis');
  s.instanceId = line?.instance;
  assert.ok(s.instanceId, `${label}: no instance id in its log`);
  return s;
}

before(async () => {
  redis = await RedisServer.start();
  db = freshSqlite();
  // One after the other: the first creates the database.
  for (const label of ['instance-a', 'instance-b', 'instance-c']) instances.push(await startInstance(label));
  admin = await login(instances[0], BOOT_ADMIN, BOOT_PASSWORD);
  await waitForLive(instances[0], 3);
});

after(async () => {
  await closeAllClients();
  for (const s of instances) if (!s.exit) await s.stop();
  await redis?.stop();
});

function presenceTest(name, fn) {
  return test(name, async () => {
    try {
      await fn();
    } catch (e) {
      throw annotate(e, ...instances);
    } finally {
      await closeAllClients();
    }
  });
}



async function waitForLive(server, n) {
  await expectSoon(async () => (await metric(server, 'serendip_instances_live')) === n, `${server.label} counts ${n} live instances`, { timeoutMs: 8000 });
}

async function ban(json) {
  expectStatus(
    await call(instances[0], 'POST', '/api/v1/admin/blocks', { token: admin, json: { durationS: 600, reason: 'presence ban', ...json } }),
    201,
    'block',
  );
}

presenceTest('a ban on instance A kicks the user on instance B within 1 s, and instance C, holding only its peer, gets no kick', async () => {
  const [A, B, C] = instances;
  const victim = await user(B, { label: 'victim@B' });
  const peer = await user(C, { label: 'peer@C' });
  const bystander = await user(C, { label: 'bystander@C' });
  const sessionId = await pair(victim, peer, uniqueLang());

  // Both instances record the call (written within a tick), naming the instance of each side;
  // instance A, holding neither side, does not.
  const recordOn = (s) => redis.lines('HGET', `sessions:{${s.instanceId}}`, sessionId)[0] ?? '';
  await expectSoon(() => recordOn(B) !== '' && recordOn(C) !== '', 'the call in both instances\' session records', { timeoutMs: 2000 });
  assert.equal(recordOn(B), recordOn(C));
  const [offerer, answerer, started] = recordOn(B).split('|');
  assert.deepEqual([offerer.split('/')[0], answerer.split('/')[0]].sort(), [B.instanceId, C.instanceId].sort(), recordOn(B));
  assert.ok(Number(started) > Date.now() - 60_000, recordOn(B));
  assert.equal(recordOn(A), '');
  // The key lives while its instance beats (the TTL is set again with each heartbeat).
  const sessionsTtl = () => Number(redis.lines('PTTL', `sessions:{${B.instanceId}}`)[0]);
  await expectSoon(() => sessionsTtl() > 0, 'the session records key has a TTL', { timeoutMs: 2500 });
  assert.ok(sessionsTtl() <= 30_000, `sessions key TTL ${sessionsTtl()} ms`);

  const kOnB = await metric(B, 'serendip_inbox_received_total', { kind: 'K' });
  const kOnC = await metric(C, 'serendip_inbox_received_total', { kind: 'K' });
  const sentByPresence = await metric(A, 'serendip_kicks_sent_total', { route: 'presence' });
  const sentByBroadcast = await metric(A, 'serendip_kicks_sent_total', { route: 'broadcast' });
  const t0 = Date.now();
  await ban({ ip: victim.ip });
  const banned = await victim.next('banned', 1000);
  const took = Date.now() - t0;
  assert.equal(banned.reason, 'presence ban');
  assert.ok(took <= 1000, `kicked after ${took} ms`);
  assert.equal((await victim.closed(2000)).code, 4003);
  assert.equal((await peer.next('peer_left', 2000)).reason, 'blocked');

  await sleep(300);
  assert.equal(await metric(B, 'serendip_inbox_received_total', { kind: 'K' }), kOnB + 1);
  assert.equal(await metric(C, 'serendip_inbox_received_total', { kind: 'K' }), kOnC, 'instance C got a kick it had no socket for');
  assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'presence' }), sentByPresence + 1);
  assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'broadcast' }), sentByBroadcast);
  assert.ok(bystander.isOpen);
  assert.equal(bystander.received.find((m) => m.type === 'banned'), undefined);

  // Ended: gone from both instances' records.
  await expectSoon(() => recordOn(B) === '' && recordOn(C) === '', 'the call gone from both instances\' session records', { timeoutMs: 2000 });
  // The banned socket's presence went with it; the others' stays.
  await expectSoon(() => redis.lines('ZRANGE', `presence:ip:{${victim.ip}}`, '0', '-1').length === 0, 'the victim\'s address gone from presence', { timeoutMs: 2000 });
  assert.deepEqual(redis.lines('ZRANGE', `presence:ip:{${bystander.ip}}`, '0', '-1').map((m) => m.split('/')[0]), [C.instanceId]);
  const keyTtl = Number(redis.lines('PTTL', `presence:device:{${bystander.claims.did}}`)[0]);
  assert.ok(keyTtl > 0, `presence key TTL ${keyTtl}`);
});

presenceTest('both instances of a call record the one start time of its match, call after call', async () => {
  // The instance that ran the match records it at the script's reply, the peer's
  // instance one inbox hop later: each must take the match's own time, not its clock's
  // reading on arrival, or a hop across a millisecond makes the two records differ.
  const [, B, C] = instances;
  const recordOn = (s, id) => redis.lines('HGET', `sessions:{${s.instanceId}}`, id)[0] ?? '';
  for (let i = 0; i < 24; i++) {
    const [first, second] = i % 2 === 0 ? [B, C] : [C, B];
    const a = await user(first, { label: `start-${i}-a` });
    const b = await user(second, { label: `start-${i}-b` });
    const t0 = Date.now();
    const sessionId = await pair(a, b, uniqueLang());
    await expectSoon(() => recordOn(B, sessionId) !== '' && recordOn(C, sessionId) !== '', 'the call in both instances\' session records', { timeoutMs: 2000 });
    assert.equal(recordOn(B, sessionId), recordOn(C, sessionId), `call ${i}`);
    const started = Number(recordOn(B, sessionId).split('|')[2]);
    assert.ok(started >= t0 - 1000 && started <= Date.now() + 1000, `call ${i}: started ${started}, paired at ${t0}`);
    a.close();
    b.close();
  }
});

presenceTest('a ban of a device reaches the instance holding it through the device presence, and no other', async () => {
  const [A, B, C] = instances;
  const victim = await user(C, { label: 'device@C' });
  const kOnB = await metric(B, 'serendip_inbox_received_total', { kind: 'K' });
  const kOnC = await metric(C, 'serendip_inbox_received_total', { kind: 'K' });
  const t0 = Date.now();
  await ban({ device: victim.claims.did });
  await victim.next('banned', 1000);
  assert.ok(Date.now() - t0 <= 1000, `kicked after ${Date.now() - t0} ms`);
  await sleep(300);
  assert.equal(await metric(C, 'serendip_inbox_received_total', { kind: 'K' }), kOnC + 1);
  assert.equal(await metric(B, 'serendip_inbox_received_total', { kind: 'K' }), kOnB);
  assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'broadcast' }), 0);
});

presenceTest('presence left by an instance killed with kill -9 is skipped by a kick and cleaned', async () => {
  const [A, B] = instances;
  const D = await startInstance('instance-d');
  try {
    const ip = nextIp();
    const onD = await user(D, { label: 'ghost@D', ip });
    const onB = await user(B, { label: 'twin@B', ip });
    const key = `presence:ip:{${ip}}`;
    await expectSoon(() => redis.lines('ZRANGE', key, '0', '-1').length === 2, 'two members in the address\' presence', { timeoutMs: 2000 });
    await waitForLive(A, 4);
    D.kill('SIGKILL');
    await D.exited;
    onD.terminate();
    // A takes D for dead (no heartbeat for 3 s), and its member is older than
    // the grace a member of a just-started instance gets (6 s after its write).
    await waitForLive(A, 3);
    await sleep(4000);
    assert.deepEqual(redis.lines('ZRANGE', key, '0', '-1').map((m) => m.split('/')[0]).sort(), [B.instanceId, D.instanceId].sort());

    const sentByPresence = await metric(A, 'serendip_kicks_sent_total', { route: 'presence' });
    const sentByBroadcast = await metric(A, 'serendip_kicks_sent_total', { route: 'broadcast' });
    const redelivered = await metric(A, 'serendip_inbox_redelivered_total');
    const t0 = Date.now();
    await ban({ ip });
    await onB.next('banned', 1000);
    assert.ok(Date.now() - t0 <= 1000, `kicked after ${Date.now() - t0} ms`);
    // Cleaned: the dead instance's member is gone from the key.
    await expectSoon(() => !redis.lines('ZRANGE', key, '0', '-1').some((m) => m.startsWith(`${D.instanceId}/`)), 'the dead instance\'s members gone from the key', { timeoutMs: 2000 });
    await sleep(500);
    assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'presence' }), sentByPresence + 1, 'a kick went to the dead instance');
    assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'broadcast' }), sentByBroadcast);
    assert.equal(await metric(A, 'serendip_inbox_redelivered_total'), redelivered, 'a message was sent to nobody');
  } finally {
    if (!D.exit) D.kill('SIGKILL');
    await D.stop();
  }
});

presenceTest('the admin dashboard of one instance counts the users, queues and calls of all instances', async () => {
  const [A, B, C] = instances;
  await waitForLive(A, 3);
  const a1 = await user(A, { label: 'a1@A' });
  await user(A, { label: 'a2@A' });
  const b1 = await user(B, { label: 'b1@B' });
  await user(B, { label: 'b2@B' });
  await user(B, { label: 'b3@B' });
  const c1 = await user(C, { label: 'c1@C' });
  const sid = await pair(a1, b1, uniqueLang()); // one call across A and B: counted once
  // Call outcomes reported on A and B only: C's dashboard shows the service's ratios, not its own.
  a1.send({ type: 'ice_result', sessionId: sid, connected: true, candidateType: 'relay', timeToConnectMs: 300 });
  b1.send({ type: 'ice_result', sessionId: sid, connected: true, candidateType: 'host', timeToConnectMs: 280 });
  b1.send({ type: 'shield_blur', sessionId: sid });
  const lang = uniqueLang();
  c1.send({ type: 'join', mode: 'video', languages: [lang] });
  await c1.next('queued');

  let stats;
  await expectSoon(
    async () => {
      const res = await call(C, 'GET', '/api/v1/admin/stats', { token: admin });
      expectStatus(res, 200, 'GET /api/v1/admin/stats');
      stats = res.json;
      return stats.onlineUsers === 6 && stats.activeSessions === 1 && stats.queues.some((q) => q.language === lang);
    },
    () => `dashboard of C: ${JSON.stringify(stats)}`,
    { timeoutMs: 5000 },
  );
  assert.deepEqual(stats.queues.filter((q) => q.language === lang), [{ mode: 'video', language: lang, waiting: 1 }]);
  assert.ok(stats.matchesPerMinute >= 1, JSON.stringify(stats));
  // ICE success, TURN share and shield rate: ratios of the counts summed over the instances.
  const sum = async (name, labels) => {
    let total = 0;
    for (const s of [A, B, C]) total += await metric(s, name, labels);
    return total;
  };
  await expectSoon(async () => (await sum('serendip_shield_blurs_total')) >= 1 && (await sum('serendip_ice_results_total', { outcome: 'connected' })) >= 2, 'the shield blur and two ICE results counted', { timeoutMs: 3000 });
  const ok = await sum('serendip_ice_results_total', { outcome: 'connected' });
  const failed = await sum('serendip_ice_results_total', { outcome: 'failed' });
  const relayed = await sum('serendip_ice_candidate_type_total', { type: 'relay' });
  const blurs = await sum('serendip_shield_blurs_total');
  assert.equal(await metric(C, 'serendip_ice_results_total', { outcome: 'connected' }), 0, 'C itself heard no ice_result');
  await expectSoon(
    async () => {
      stats = (await call(C, 'GET', '/api/v1/admin/stats', { token: admin })).json;
      return stats.shieldBlurs === blurs && Math.abs(stats.iceSuccessRate - ok / (ok + failed)) < 1e-9;
    },
    () => `call outcomes on C's dashboard: ${JSON.stringify(stats)}, summed metrics ok=${ok} failed=${failed} relay=${relayed} blurs=${blurs}`,
    { timeoutMs: 5000 },
  );
  assert.ok(Math.abs(stats.turnShare - relayed / ok) < 1e-9, JSON.stringify(stats));
  assert.ok(Math.abs(stats.shieldRate - Math.min(1, blurs / ok)) < 1e-9, JSON.stringify(stats));
  // Prometheus keeps the per-instance figure (it sums the instances itself).
  const text = (await request(C, 'GET', '/metrics')).text;
  assert.equal(parseMetrics(text).find((s) => s.name === 'serendip_online_users')?.value, 1);
});

presenceTest('Redis restarted empty: every instance writes its presence again, and a ban still reaches the socket', async () => {
  const [A, B] = instances;
  const u = await user(B, { label: 'survivor@B' });
  const key = `presence:ip:{${u.ip}}`;
  await expectSoon(() => redis.lines('ZRANGE', key, '0', '-1').length === 1, 'the survivor\'s presence written', { timeoutMs: 2000 });
  await redis.down();
  await sleep(500);
  await redis.up();
  assert.equal(redis.lines('EXISTS', key)[0], '0');
  // Noticed by the heartbeat (its own entry was new again), rewritten at the next ticks.
  await expectSoon(() => redis.lines('ZRANGE', key, '0', '-1').some((m) => m.startsWith(`${B.instanceId}/`)), 'B\'s presence written again after Redis came back empty', { timeoutMs: 8000 });
  for (const s of instances) await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready again`, { timeoutMs: 10000 });
  await waitForLive(A, 3);
  const sentByPresence = await metric(A, 'serendip_kicks_sent_total', { route: 'presence' });
  const t0 = Date.now();
  await ban({ ip: u.ip });
  await u.next('banned', 1000);
  assert.ok(Date.now() - t0 <= 1000, `kicked after ${Date.now() - t0} ms`);
  await sleep(300);
  assert.equal(await metric(A, 'serendip_kicks_sent_total', { route: 'presence' }), sentByPresence + 1);
});
