// Scale-out: several instances sharing one Redis (SERENDIP_REDIS_URL). Two
// strangers on different instances are matched, relay offer/answer/ice to each
// other and hear each other leave; an instance killed with kill -9 is noticed
// by the partners it held; with Redis gone, join answers `unavailable` while
// sockets stay open and liveness stays green, and everything recovers when
// Redis returns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAllClients, helloed, joinMsg } from './client.mjs';
import { RedisServer } from './redis-server.mjs';
import { SERVER_BIN, annotate, startServer } from './server.mjs';
import { expectSoon, request, sleep, uniqueLang } from './util.mjs';

test('with SERENDIP_REDIS_URL set and no SERENDIP_JWT_SECRET the server refuses to start, saying why', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-scaleout-'));
  try {
    const env = { ...process.env, SERENDIP_REDIS_URL: 'redis://127.0.0.1:1', SERENDIP_DATABASE_URL: `sqlite://${dir}/db.sqlite` };
    delete env.SERENDIP_JWT_SECRET;
    const run = spawnSync(SERVER_BIN, ['--listen=127.0.0.1:0'], { env, encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.error, undefined, String(run.error));
    assert.equal(run.status, 1, `exit status ${run.status}, signal ${run.signal}\n${run.stderr}`);
    assert.match(run.stderr, /SERENDIP_JWT_SECRET/);
    assert.match(run.stderr, /SERENDIP_REDIS_URL/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

let redis;
const instances = [];
before(async () => {
  redis = await RedisServer.start();
  for (const label of ['instance-a', 'instance-b']) {
    instances.push(await startServer({ label, env: { SERENDIP_REDIS_URL: redis.url } }));
  }
  // Ready once connected and the inbox probe came back.
  for (const s of instances) await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready`, { timeoutMs: 8000 });
});
after(async () => {
  await closeAllClients();
  for (const s of instances) if (!s.exit) await s.stop();
  await redis?.stop();
});

async function crossPair(a, b, lang) {
  a.send(joinMsg(lang));
  await a.next('queued');
  b.send(joinMsg(lang));
  const mb = await b.next('matched');
  const ma = await a.next('matched');
  return { ma, mb };
}

function crossTest(name, fn) {
  return test(name, async () => {
    try {
      await fn();
    } catch (e) {
      throw annotate(annotate(e, instances[0]), instances[1]);
    } finally {
      await closeAllClients();
    }
  });
}

crossTest('two strangers on two instances are matched and relay offer, answer and ice to each other, in order', async () => {
  const [A, B] = instances;
  const a = await helloed(A, { label: 'a@A' });
  const b = await helloed(B, { label: 'b@B' });
  const { ma, mb } = await crossPair(a, b, uniqueLang());
  assert.equal(ma.sessionId, mb.sessionId);
  assert.deepEqual([ma.role, mb.role].sort(), ['answerer', 'offerer']);
  assert.deepEqual(mb.peer.languages, ma.peer.languages);
  const [offerer, answerer] = ma.role === 'offerer' ? [a, b] : [b, a];
  const sessionId = ma.sessionId;
  offerer.send({ type: 'offer', sessionId, sdp: 'v=0 offer' });
  const offer = await answerer.next('offer');
  assert.equal(offer.sdp, 'v=0 offer');
  answerer.send({ type: 'answer', sessionId, sdp: 'v=0 answer' });
  assert.equal((await offerer.next('answer')).sdp, 'v=0 answer');
  for (let i = 0; i < 20; i++) offerer.send({ type: 'ice', sessionId, candidate: { candidate: `candidate:${i}` } });
  for (let i = 0; i < 20; i++) assert.equal((await answerer.next('ice')).candidate.candidate, `candidate:${i}`);
  // Next on one instance: the peer on the other hears it.
  a.send({ type: 'next', id: 5 });
  const left = await b.next('peer_left');
  assert.equal(left.reason, 'next');
  assert.equal(left.sessionId, sessionId);
  const metrics = (await request(A, 'GET', '/metrics')).text;
  assert.match(metrics, /serendip_relay_cross_instance_total [1-9]/);
});

crossTest('a stranger who disconnects is reported to the partner on the other instance', async () => {
  const [A, B] = instances;
  const a = await helloed(A, { label: 'a@A' });
  const b = await helloed(B, { label: 'b@B' });
  const { ma } = await crossPair(a, b, uniqueLang());
  b.terminate();
  const left = await a.next('peer_left', 5000);
  assert.equal(left.reason, 'disconnect');
  assert.equal(left.sessionId, ma.sessionId);
});

crossTest('pairs on one instance do not go through Redis for their relays', async () => {
  const [A] = instances;
  const before = (await request(A, 'GET', '/metrics')).text.match(/serendip_relay_cross_instance_total (\d+)/)[1];
  const a = await helloed(A, { label: 'a1@A' });
  const b = await helloed(A, { label: 'a2@A' });
  const { ma } = await crossPair(a, b, uniqueLang());
  const [offerer, answerer] = ma.role === 'offerer' ? [a, b] : [b, a];
  offerer.send({ type: 'offer', sessionId: ma.sessionId, sdp: 'v=0 local' });
  assert.equal((await answerer.next('offer')).sdp, 'v=0 local');
  const afterCount = (await request(A, 'GET', '/metrics')).text.match(/serendip_relay_cross_instance_total (\d+)/)[1];
  assert.equal(afterCount, before);
});

crossTest('Redis down: join answers unavailable with a retry hint, sockets stay open, /readyz fails and /healthz does not; all recovers when Redis returns, waiting users included', async () => {
  const [A] = instances;
  const a = await helloed(A, { label: 'a@A' });
  // Waiting when Redis goes: its queue record is lost with Redis (no persistence here).
  const waiter = await helloed(A, { label: 'w@A' });
  const waitLang = uniqueLang();
  waiter.send(joinMsg(waitLang));
  await waiter.next('queued');
  // In a call across instances: an outage of Redis must not end it.
  const x = await helloed(A, { label: 'x@A' });
  const y = await helloed(instances[1], { label: 'y@B' });
  const { ma: mx } = await crossPair(x, y, uniqueLang());
  await redis.down();
  try {
    await expectSoon(async () => (await request(A, 'GET', '/readyz')).status === 503, '/readyz 503 on A with Redis down', { timeoutMs: 5000 });
    assert.equal((await request(A, 'GET', '/healthz')).status, 200);
    a.send({ ...joinMsg(uniqueLang()), id: 41 });
    const err = await a.next(['error', 'queued'], 5000);
    assert.equal(err.type, 'error', JSON.stringify(err));
    assert.equal(err.code, 'unavailable');
    assert.equal(err.re, 41);
    assert.ok(err.retryAfterMs > 0, JSON.stringify(err));
    assert.ok(a.isOpen);
    // Longer than an instance may be silent before it counts as dead, and
    // than one inbox probe period: everything must still come back.
    await sleep(4500);
  } finally {
    await redis.up();
  }
  for (const s of instances) await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready again`, { timeoutMs: 10000 });
  const b = await helloed(instances[1], { label: 'b@B' });
  const { ma } = await crossPair(a, b, uniqueLang());
  assert.ok(ma.sessionId);
  // The waiter's instance notices its record is gone and queues it again.
  const newcomer = await helloed(instances[1], { label: 'n@B' });
  newcomer.send(joinMsg(waitLang));
  const m = await newcomer.next(['matched'], 10_000);
  const mw = await waiter.next('matched', 2000);
  assert.equal(m.sessionId, mw.sessionId);
  for (const c of [x, y]) {
    const left = c.received.find((msg) => msg.type === 'peer_left');
    assert.equal(left, undefined, `${c.label}: the call across instances ended with the outage: ${JSON.stringify(left)}`);
  }
  // And it still relays.
  x.send({ type: 'ice', sessionId: mx.sessionId, candidate: { candidate: 'after-outage' } });
  assert.equal((await y.next('ice', 5000)).candidate.candidate, 'after-outage');
});

crossTest('kill -9 of an instance: its partners on the others hear peer_left within 5 s, and its waiting users leave the queue', async () => {
  const [A] = instances;
  const C = await startServer({ label: 'instance-c', env: { SERENDIP_REDIS_URL: redis.url } });
  try {
    await expectSoon(async () => (await request(C, 'GET', '/readyz')).status === 200, 'C ready', { timeoutMs: 8000 });
    const a = await helloed(A, { label: 'a@A' });
    const c = await helloed(C, { label: 'c@C' });
    const lang = uniqueLang();
    const { ma } = await crossPair(a, c, lang);
    // Both instances record the call in their session records (written within a tick).
    const idOf = (s) => s.jsonLogs().find((l) => l.event === 'shared_state_redis')?.instance;
    const [idA, idC] = [idOf(A), idOf(C)];
    assert.ok(idA && idC, 'instance ids in the logs');
    const record = (id) => redis.lines('HGET', `sessions:{${id}}`, ma.sessionId)[0] ?? '';
    await expectSoon(() => record(idA) !== '' && record(idC) !== '', 'the call in both instances\' session records', { timeoutMs: 2000 });
    // One more waiting on C, in a language of its own.
    const waiting = await helloed(C, { label: 'w@C' });
    const lonely = uniqueLang();
    waiting.send(joinMsg(lonely));
    await waiting.next('queued');
    const t0 = Date.now();
    C.kill('SIGKILL');
    const left = await a.next('peer_left', 6000);
    const took = Date.now() - t0;
    assert.equal(left.reason, 'disconnect');
    assert.equal(left.sessionId, ma.sessionId);
    assert.ok(took <= 5000, `peer_left after ${took} ms`);
    // The survivor's record of the call goes with the call, the dead one's records with it.
    await expectSoon(() => record(idA) === '' && redis.lines('EXISTS', `sessions:{${idC}}`)[0] === '0', 'the survivor\'s record gone with the call, the dead instance\'s records reaped', { timeoutMs: 2000 });
    // The dead instance's waiter is gone: a newcomer in that language waits.
    await sleep(1500);
    const fresh = await helloed(A, { label: 'fresh@A' });
    fresh.send(joinMsg(lonely));
    await fresh.next('queued');
    const m = await fresh.next(['matched'], 1500).catch(() => null);
    assert.equal(m, null, `matched with a ghost of the dead instance: ${JSON.stringify(m)}`);
  } finally {
    if (!C.exit) C.kill('SIGKILL');
  }
});
