// Scale-out over TLS to Redis (rediss://), as managed Redis services require:
// a real redis-server with a TLS port that asks clients for a certificate
// (Redis' default, tls-auth-clients yes), certificates made here with the
// openssl command. Two instances share it over TLS only; a wrong CA or a
// certificate naming another server keeps an instance from ever talking to
// it (not ready, saying why); files that cannot be read, or TLS settings with
// a plain URL, stop the start with a clear message.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { portFree } from './cluster-ports.mjs';
import { freshSqlite, pair, startModServer, tempDir, user } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { SERVER_BIN, annotate, freePort } from './server.mjs';
import { request, sleep, uniqueLang, waitFor } from './util.mjs';

let redis;
let db;
let tlsPort;
let pki;
const started = [];

// A CA, and certificates it signs: `name` with SANs `sans`, for `usage` (serverAuth or clientAuth).
function makePki(dir) {
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name) => {
    ossl('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=Serendip test ${name}`);
  };
  const leaf = (name, caName, sans, usage) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${sans}\nextendedKeyUsage=${usage}\n`);
    ossl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-days', '2',
      '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  ca('ca');
  ca('other-ca');
  // serverAuth for clients, clientAuth for the cluster bus (a node dials the others with it).
  leaf('redis', 'ca', 'IP:127.0.0.1,DNS:redis.serendip.test', 'serverAuth,clientAuth');
  leaf('client', 'ca', 'DNS:serendip-instance', 'clientAuth');
  const f = (n) => path.join(dir, n);
  return { ca: f('ca.pem'), otherCa: f('other-ca.pem'), redisCert: f('redis.pem'), redisKey: f('redis.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

before(async () => {
  pki = makePki(tempDir('serendip-redis-tls-'));
  tlsPort = await freePort();
  redis = await RedisServer.start({
    args: ['--tls-port', String(tlsPort), '--tls-cert-file', pki.redisCert, '--tls-key-file', pki.redisKey, '--tls-ca-cert-file', pki.ca,
      '--tls-auth-clients', 'yes'],
  });
  db = freshSqlite();
});

after(async () => {
  await closeAllClients();
  for (const s of started) if (!s.exit) await s.stop();
  await redis?.stop();
});

const tlsUrl = () => `rediss://127.0.0.1:${tlsPort}`;
const withClientCert = () => ({ SERENDIP_REDIS_TLS_CERT_FILE: pki.clientCert, SERENDIP_REDIS_TLS_KEY_FILE: pki.clientKey });

async function instance(label, env) {
  const s = await startModServer(db, { label, env: { SERENDIP_REDIS_URL: tlsUrl(), ...env } });
  started.push(s);
  return s;
}

function tlsTest(name, fn) {
  return test(name, async () => {
    try {
      await fn();
    } catch (e) {
      throw annotate(e, ...started);
    } finally {
      await closeAllClients();
      for (const s of started) if (!s.exit) await s.stop();
      started.length = 0;
    }
  });
}

// The instances' connections, as Redis lists them: each on the TLS port.
function serendipClients() {
  const r = spawnSync('redis-cli', ['-p', String(redis.port), 'CLIENT', 'LIST'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => / name=serendip/.test(l));
}

tlsTest('two instances share Redis over TLS with a client certificate: ready, pairing and relaying across them', async () => {
  const A = await instance('tls-a', { SERENDIP_REDIS_TLS_CA_FILE: pki.ca, ...withClientCert() });
  const B = await instance('tls-b', { SERENDIP_REDIS_TLS_CA_FILE: pki.ca, ...withClientCert() });
  for (const s of [A, B]) {
    assert.ok(await waitFor(async () => (await request(s, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 }), `${s.label} not ready`);
  }
  const a = await user(A, { label: 'a@A' });
  const b = await user(B, { label: 'b@B' });
  const sessionId = await pair(a, b, uniqueLang());
  a.send({ type: 'offer', sessionId, sdp: 'v=0 over tls' });
  assert.equal((await b.next('offer')).sdp, 'v=0 over tls');
  b.send({ type: 'answer', sessionId, sdp: 'v=0 answer over tls' });
  assert.equal((await a.next('answer')).sdp, 'v=0 answer over tls');
  // Every connection of both instances (commands and inbox subscriptions) is on the TLS port.
  const clients = serendipClients();
  assert.ok(clients.length >= 4, clients.join('\n'));
  for (const c of clients) assert.match(c, new RegExp(`laddr=127\\.0\\.0\\.1:${tlsPort} `), c);
});

tlsTest('a certificate from another CA, or naming another server, or no client certificate: the instance never talks to Redis and says why', async () => {
  const wrongCa = await instance('tls-wrong-ca', { SERENDIP_REDIS_TLS_CA_FILE: pki.otherCa, ...withClientCert() });
  const wrongName = await instance('tls-wrong-name', {
    SERENDIP_REDIS_TLS_CA_FILE: pki.ca,
    SERENDIP_REDIS_TLS_SERVER_NAME: 'other.serendip.test',
    ...withClientCert(),
  });
  const noClientCert = await instance('tls-no-client-cert', { SERENDIP_REDIS_TLS_CA_FILE: pki.ca });
  // The right name given explicitly (the certificate's DNS SAN, not the address connected to) works.
  const rightName = await instance('tls-right-name', {
    SERENDIP_REDIS_TLS_CA_FILE: pki.ca,
    SERENDIP_REDIS_TLS_SERVER_NAME: 'redis.serendip.test',
    ...withClientCert(),
  });
  assert.ok(await waitFor(async () => (await request(rightName, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 }), 'right name not ready');
  await sleep(2500);
  for (const s of [wrongCa, wrongName, noClientCert]) {
    assert.equal((await request(s, 'GET', '/readyz')).status, 503, `${s.label} is ready`);
    assert.equal((await request(s, 'GET', '/healthz')).status, 200, `${s.label} not live`);
  }
  const reasons = (s) =>
    s
      .jsonLogs()
      .filter((l) => l.component === 'redis' && l.event === 'connection_lost')
      .map((l) => l.reason)
      .join('\n');
  assert.match(reasons(wrongCa), /TLS handshake failed: certificate verify failed/, reasons(wrongCa));
  assert.match(reasons(wrongName), /TLS handshake failed: certificate verify failed/, reasons(wrongName));
  // Redis refuses a client without a certificate: the handshake or the first read fails.
  assert.match(reasons(noClientCert), /TLS handshake failed|closed by server|read failed/, reasons(noClientCert));
});

function startFails(env) {
  const dir = tempDir('serendip-tls-start-');
  const r = spawnSync(SERVER_BIN, ['--listen=127.0.0.1:0', `--database-url=sqlite://${path.join(dir, 'db.sqlite')}`], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, SERENDIP_JWT_SECRET: 'x'.repeat(32), SERENDIP_REDIS_URL: tlsUrl(), ...env },
  });
  return r;
}

test('a TLS file that cannot be read, half a client certificate, or TLS settings with a plain URL stop the start, saying why', () => {
  let r = startFails({ SERENDIP_REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /TLS to Redis: CA file \/nonexistent\/ca\.pem/);
  r = startFails({ SERENDIP_REDIS_TLS_CA_FILE: pki.ca, SERENDIP_REDIS_TLS_CERT_FILE: pki.clientCert });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /needs both its certificate file and its key file/);
  r = startFails({ SERENDIP_REDIS_URL: `redis://127.0.0.1:${redis.port}`, SERENDIP_REDIS_TLS_CA_FILE: pki.ca });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /redis-tls-\* is set but redis-url is not rediss:\/\//);
});

// Three masters speaking TLS only (no plain port), the cluster bus on TLS too.
async function startTlsCluster() {
  let base;
  for (let i = 0; i < 50 && base === undefined; i++) {
    const b = 24000 + 10 * crypto.randomInt(500);
    const ports = [0, 1, 2].flatMap((d) => [b + d, b + d + 10000]);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) base = b;
  }
  assert.ok(base, 'no free ports for a TLS cluster');
  const ports = [base, base + 1, base + 2];
  const procs = [];
  const cli = (port, ...args) =>
    spawnSync('redis-cli', ['--tls', '--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey, '-p', String(port), ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
  for (const port of ports) {
    const dir = tempDir('serendip-tls-cluster-');
    procs.push(
      spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--tls-cluster', 'yes', '--tls-cert-file', pki.redisCert,
        '--tls-key-file', pki.redisKey, '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', 'yes'], { stdio: 'ignore' }),
    );
  }
  const stop = async () => {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGKILL');
      await exited;
    }
  };
  try {
    for (const port of ports) {
      assert.ok(await waitFor(() => cli(port, 'PING').stdout.trim() === 'PONG', { timeoutMs: 5000 }), `TLS node ${port} did not start`);
    }
    const created = cli(ports[0], '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes');
    assert.equal(created.status, 0, created.stdout + created.stderr);
    for (const port of ports) {
      assert.ok(await waitFor(() => /cluster_state:ok/.test(cli(port, 'CLUSTER', 'INFO').stdout), { timeoutMs: 10_000 }), `node ${port} not ok`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports, cli, stop };
}

tlsTest('a Redis Cluster over TLS only (rediss+cluster://): the slot map is followed to every master over TLS, and two instances pair and relay', async () => {
  const cluster = await startTlsCluster();
  try {
    const env = { SERENDIP_REDIS_URL: `rediss+cluster://127.0.0.1:${cluster.ports[0]}`, SERENDIP_REDIS_TLS_CA_FILE: pki.ca, ...withClientCert() };
    const A = await instance('tls-cluster-a', env);
    const B = await instance('tls-cluster-b', env);
    for (const s of [A, B]) {
      assert.ok(await waitFor(async () => (await request(s, 'GET', '/readyz')).status === 200, { timeoutMs: 10_000 }), `${s.label} not ready`);
    }
    for (let i = 0; i < 3; i++) {
      const a = await user(A, { label: `a${i}@A` });
      const b = await user(B, { label: `b${i}@B` });
      const sessionId = await pair(a, b, uniqueLang());
      a.send({ type: 'offer', sessionId, sdp: `v=0 cluster ${i}` });
      assert.equal((await b.next('offer')).sdp, `v=0 cluster ${i}`);
    }
    // Both instances hold connections on every master (which serves which slot is the map's business).
    for (const port of cluster.ports) {
      const names = cluster
        .cli(port, 'CLIENT', 'LIST')
        .stdout.split('\n')
        .filter((l) => / name=serendip/.test(l));
      assert.ok(names.length >= 2, `master ${port}: ${names.join('\n')}`);
    }
  } finally {
    await closeAllClients();
    for (const s of started) if (!s.exit) await s.stop();
    started.length = 0;
    await cluster.stop();
  }
});
