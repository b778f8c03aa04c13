// Scale-out on the whole local cluster (scripts/cluster.sh: a Redis Cluster of
// 3 masters and 3 replicas, PostgreSQL, three instances, HAProxy round robin):
// hundreds of strangers joining through the proxy at once are each matched
// exactly once, across instances, and talk; a thousand simultaneous joins make
// floor(n/2) matches with nobody stranded; a ban on one instance kicks a user
// on another within a second; killing the Redis master that holds the queue
// stops matching only until its replica takes over.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { closeAllClients, connect } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, login, nextIp } from './moderation-tools.mjs';
import { freeBase } from './cluster-ports.mjs';
import { SERVER_BIN } from './server.mjs';
import { decodeJwt, expectSoon, parseMetrics, randomDeviceId, request, sleep, uniqueLang } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/cluster.sh');

let base;
let runDir;
let proxy; // HAProxy
const instances = [];
const RELAXED = {
  SERENDIP_RATE_LIMITS:
    'session_per_ip=off,session_per_device=off,connect_per_ip=off,join_per_device=off,next_per_device=off,report_per_device=off',
  SERENDIP_CAPTCHA: 'false',
};

before(async () => {
  base = await freeBase(21000);
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-cluster-'));
  const r = spawnSync(SCRIPT, ['start', '--base-port', String(base), '--run-dir', runDir, '--no-install'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      ...RELAXED,
      SERENDIP_SERVER_BIN: SERVER_BIN,
      SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}`,
    },
  });
  assert.equal(r.status, 0, `cluster.sh start failed:\n${r.stderr}\n${r.stdout}`);
  proxy = { host: '127.0.0.1', port: base };
  for (let i = 1; i <= 3; i++) instances.push({ host: '127.0.0.1', port: base + i });
  for (const s of [...instances, proxy]) {
    await expectSoon(async () => (await request(s, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 200, `${s.port} ready`, {
      timeoutMs: 20_000,
    });
  }
});

after(async () => {
  await closeAllClients();
  if (runDir) {
    spawnSync(SCRIPT, ['stop', runDir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});

function logsTail() {
  const out = [];
  const logs = path.join(runDir, 'logs');
  for (const f of fs.existsSync(logs) ? fs.readdirSync(logs) : []) {
    if (!/^serendip-\d\.log$/.test(f)) continue;
    const lines = fs.readFileSync(path.join(logs, f), 'utf8').trim().split('\n');
    out.push(`--- ${f} ---\n${lines.slice(-15).join('\n')}`);
  }
  return out.join('\n');
}

function clusterTest(name, fn) {
  return test(name, { timeout: 180_000 }, async () => {
    try {
      await fn();
    } catch (e) {
      e.message += `\n${logsTail()}`;
      throw e;
    } finally {
      await closeAllClients();
    }
  });
}

// A user with its own address and device (X-Forwarded-For from a trusted
// loopback proxy), connected with the Origin the cluster allows.
async function user(server, { label, ip = nextIp(), deviceId = randomDeviceId() } = {}) {
  const res = await call(server, 'POST', '/api/v1/session', { json: { deviceId }, ip });
  expectStatus(res, 200, `[${label}] POST /api/v1/session`);
  const c = await connect(server, { label, origin: `http://localhost:${base}`, headers: { 'x-forwarded-for': ip } });
  c.ip = ip;
  c.token = res.json.token;
  c.claims = decodeJwt(c.token).payload;
  c.send({ type: 'hello', token: c.token });
  c.welcome = await c.next(['welcome', 'error', 'banned'], 5000);
  if (c.welcome.type !== 'welcome') throw new Error(`[${label}] hello answered with ${JSON.stringify(c.welcome)}`);
  c.userId = c.welcome.userId;
  return c;
}

// Many users at once through the proxy, each from its own address (so the
// per-address limits of a real deployment would apply to each separately).
async function crowd(server, n, label) {
  const users = [];
  const batch = 50;
  for (let i = 0; i < n; i += batch) {
    const part = [];
    for (let j = i; j < Math.min(n, i + batch); j++) part.push(user(server, { label: `${label}${j}`, ip: nextIp() }));
    users.push(...(await Promise.all(part)));
  }
  return users;
}

async function crossInstanceRelays() {
  let sum = 0;
  for (const s of instances) {
    for (const sample of parseMetrics((await request(s, 'GET', '/metrics')).text)) {
      if (sample.name === 'serendip_relay_cross_instance_total') sum += sample.value;
    }
  }
  return sum;
}

// Everyone joins `lang` at once; resolves with each one's matched message.
async function joinAll(users, lang) {
  for (const u of users) u.send({ type: 'join', mode: 'video', languages: [lang] });
  return Promise.all(users.map((u) => u.next('matched', 30_000)));
}

function checkPairs(users, matched) {
  const bySession = new Map();
  matched.forEach((m, i) => {
    if (!bySession.has(m.sessionId)) bySession.set(m.sessionId, []);
    bySession.get(m.sessionId).push({ u: users[i], m });
  });
  for (const [sid, sides] of bySession) {
    assert.equal(sides.length, 2, `session ${sid} has ${sides.length} sides`);
    assert.deepEqual(sides.map((s) => s.m.role).sort(), ['answerer', 'offerer'], `roles in ${sid}`);
  }
  return [...bySession.values()];
}

clusterTest('300 clients join through HAProxy at once: each is matched exactly once, pairs span instances, and offer/answer/ice/next/report/peer_left work across them', async () => {
  const users = await crowd(proxy, 300, 'u');
  const relaysBefore = await crossInstanceRelays();
  const matched = await joinAll(users, uniqueLang());
  const pairs = checkPairs(users, matched);
  assert.equal(pairs.length, 150);
  // Nobody gets a second match.
  await sleep(300);
  for (const u of users) assert.equal(u.queue.filter((m) => m.type === 'matched').length, 0, `${u.label} matched twice`);

  await Promise.all(
    pairs.map(async (sides, i) => {
      const off = sides.find((s) => s.m.role === 'offerer');
      const ans = sides.find((s) => s.m.role === 'answerer');
      const sessionId = off.m.sessionId;
      off.u.send({ type: 'offer', sessionId, sdp: `v=0 offer ${i}` });
      assert.equal((await ans.u.next('offer', 10_000)).sdp, `v=0 offer ${i}`);
      ans.u.send({ type: 'answer', sessionId, sdp: `v=0 answer ${i}` });
      assert.equal((await off.u.next('answer', 10_000)).sdp, `v=0 answer ${i}`);
      for (let k = 0; k < 3; k++) ans.u.send({ type: 'ice', sessionId, candidate: { candidate: `c${i}.${k}` } });
      for (let k = 0; k < 3; k++) assert.equal((await off.u.next('ice', 10_000)).candidate.candidate, `c${i}.${k}`);
      if (i % 2 === 0) {
        off.u.send({ type: 'next' });
        const left = await ans.u.next('peer_left', 10_000);
        assert.equal(left.reason, 'next');
      } else {
        ans.u.send({ type: 'report', sessionId, reason: 'spam', id: 7 });
        const ack = await ans.u.next((m) => m.re === 7, 10_000);
        assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
        ans.u.send({ type: 'leave' });
        const left = await off.u.next('peer_left', 10_000);
        assert.equal(left.reason, 'leave');
      }
    }),
  );
  const relayed = (await crossInstanceRelays()) - relaysBefore;
  // Joins that reach Redis back to back from one instance often pair with
  // each other (and then relay without Redis); the rest cross, five frames
  // per pair here.
  assert.ok(relayed >= 5, `only ${relayed} relays crossed instances`);
  console.log(`${relayed / 5} of 150 pairs spanned two instances`);
});

clusterTest('1,000 simultaneous joins spread over the three instances: 500 matches, nobody twice, nobody stranded', async () => {
  const users = [];
  for (let i = 0; i < 3; i++) users.push(...(await crowd(instances[i], i === 0 ? 334 : 333, `i${i}-`)));
  assert.equal(users.length, 1000);
  const matched = await joinAll(users, uniqueLang());
  const pairs = checkPairs(users, matched);
  assert.equal(pairs.length, 500);
  const ids = new Set(matched.map((m, i) => users[i].userId));
  assert.equal(ids.size, 1000);
});

clusterTest('a ban through the admin API on one instance kicks the user connected to another within 1 s', async () => {
  const admin = await login(instances[0], BOOT_ADMIN, BOOT_PASSWORD);
  const victim = await user(instances[1], { label: 'victim' });
  const peer = await user(instances[2], { label: 'peer' });
  const lang = uniqueLang();
  victim.send({ type: 'join', mode: 'video', languages: [lang] });
  await victim.next('queued');
  peer.send({ type: 'join', mode: 'video', languages: [lang] });
  await peer.next('matched');
  await victim.next('matched');
  const t0 = Date.now();
  expectStatus(
    await call(instances[0], 'POST', '/api/v1/admin/blocks', {
      token: admin,
      json: { ip: victim.ip, durationS: 600, reason: 'scale-out ban' },
    }),
    201,
    'block',
  );
  const banned = await victim.next('banned', 1000);
  assert.equal(banned.reason, 'scale-out ban');
  assert.ok(Date.now() - t0 <= 1000, `kicked after ${Date.now() - t0} ms`);
  assert.equal((await victim.closed(2000)).code, 4003);
  assert.equal((await peer.next('peer_left', 2000)).reason, 'blocked');
});

// The master that serves the matchmaking queue's slot, from CLUSTER NODES.
function queueMaster() {
  const ports = [0, 1, 2, 3, 4, 5].map((i) => base + 10 + i);
  const slot = Number(spawnSync('redis-cli', ['-p', String(ports[0]), 'CLUSTER', 'KEYSLOT', '{mm:video}'], { encoding: 'utf8' }).stdout.trim());
  const nodes = spawnSync('redis-cli', ['-p', String(ports[0]), 'CLUSTER', 'NODES'], { encoding: 'utf8' }).stdout;
  for (const line of nodes.trim().split('\n')) {
    const f = line.split(' ');
    if (!f[2].includes('master') || f[2].includes('fail')) continue;
    for (const range of f.slice(8)) {
      const [lo, hi] = range.split('-').map(Number);
      if (slot >= lo && slot <= (hi ?? lo)) return Number(f[1].split(':')[1].split('@')[0]);
    }
  }
  throw new Error(`no master for slot ${slot}:\n${nodes}`);
}

clusterTest('killing the Redis master that holds the queue: matching resumes within 10 s without restarting any instance, and no one is matched twice', async () => {
  const port = queueMaster();
  const pidFile = path.join(runDir, 'redis', `redis-${port}.pid`);
  const altPidFile = path.join(runDir, `redis-${port}.pid`);
  const file = fs.existsSync(pidFile) ? pidFile : altPidFile;
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  assert.ok(pid > 0, `pid of the master on ${port}`);
  process.kill(pid, 'SIGKILL');
  const t0 = Date.now();
  let resumedAfter = null;
  const seen = new Set();
  while (Date.now() - t0 < 20_000) {
    const lang = uniqueLang();
    const a = await user(instances[0], { label: 'fa' });
    const b = await user(instances[1], { label: 'fb' });
    a.send({ type: 'join', mode: 'video', languages: [lang] });
    const first = await a.next(['queued', 'error'], 5000);
    if (first.type === 'queued') {
      b.send({ type: 'join', mode: 'video', languages: [lang] });
      const mb = await b.next(['matched', 'error'], 5000).catch(() => null);
      if (mb?.type === 'matched') {
        const ma = await a.next('matched', 5000);
        assert.equal(ma.sessionId, mb.sessionId);
        assert.ok(!seen.has(ma.sessionId));
        seen.add(ma.sessionId);
        resumedAfter = Date.now() - t0;
        break;
      }
    }
    a.terminate();
    b.terminate();
    await sleep(250);
  }
  assert.ok(resumedAfter !== null && resumedAfter <= 10_000, `matching resumed after ${resumedAfter} ms`);
  console.log(`matching resumed ${resumedAfter} ms after the master was killed`);
  // Later joins still pair exactly once each (through the proxy once it has
  // taken the instances back: their readiness followed Redis).
  await expectSoon(async () => (await request(proxy, 'GET', '/readyz')).status === 200, 'the proxy ready again', { timeoutMs: 10_000 });
  const users = await crowd(proxy, 40, 'after');
  const pairs = checkPairs(users, await joinAll(users, uniqueLang()));
  assert.equal(pairs.length, 20);
});
