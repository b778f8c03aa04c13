// TURN credentials (contract section 2) against a real coturn: the server issues coturn
// "TURN REST API" credentials (use-auth-secret), turnutils_uclient allocates with them over
// UDP, TCP and TLS, and coturn refuses tampered, expired and foreign ones. A second coturn runs
// the production configuration (deploy/coturn/turnserver.prod.conf, started through
// deploy/coturn/run-turnserver.sh) to check what it refuses: loopback and private peers, old TLS.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { closeAllClients, createSession, helloed } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, login, nextIp, sessionRequest, startModServer } from './moderation-tools.mjs';
import { annotate, startServer } from './server.mjs';
import {
  COTURN_DIR,
  describeRun,
  freeTcpUdpPort,
  hasIpv6Loopback,
  makeCertificates,
  spawnTracked,
  startCoturn,
  tlsHandshake,
  turnCredential,
  turnPassword,
  uclient,
  which,
} from './tools.mjs';
import { decodeJwt, describeResponse, nowS, randomDeviceId, request, signJwt, sleep } from './util.mjs';

const SECRET = `it-turn-${crypto.randomBytes(12).toString('hex')}`;
const DEFAULT_TTL = 3600;

function missingTools() {
  const missing = ['turnserver', 'turnutils_uclient', 'openssl'].filter((t) => !which(t));
  return missing.length ? `missing ${missing.join(', ')} (Debian packages coturn, openssl; scripts/bootstrap.sh test)` : null;
}

function turnUrls(port, tlsPort) {
  return [
    `stun:127.0.0.1:${port}`,
    `turn:127.0.0.1:${port}?transport=udp`,
    `turn:127.0.0.1:${port}?transport=tcp`,
    `turns:127.0.0.1:${tlsPort}?transport=tcp`,
  ];
}

async function getCredentials(server, token) {
  const res = await request(server, 'GET', '/api/v1/turn-credentials', {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return res;
}

// Asserts the coturn REST scheme of one iceServers entry; returns {expiry, sub}.
function checkCredential(entry, { sub, ttl = DEFAULT_TTL, secret = SECRET, what }) {
  assert.equal(typeof entry.username, 'string', `${what}: username missing in ${JSON.stringify(entry)}`);
  assert.equal(typeof entry.credential, 'string', `${what}: credential missing in ${JSON.stringify(entry)}`);
  const m = /^(\d+):(.+)$/.exec(entry.username);
  assert.ok(m, `${what}: username ${JSON.stringify(entry.username)} is not "<expiry>:<sub>"`);
  const expiry = Number(m[1]);
  assert.equal(m[2], sub, `${what}: the username's user part must be the token's sub`);
  const now = nowS();
  assert.ok(Math.abs(expiry - (now + ttl)) <= 5, `${what}: expiry ${expiry} should be about now+${ttl} = ${now + ttl}`);
  assert.equal(entry.credential, turnPassword(secret, entry.username),
    `${what}: credential must be base64(HMAC-SHA1(secret, username))`);
  return { expiry, sub: m[2] };
}

function withTurnLog(err, coturn) {
  if (err instanceof Error && coturn) err.message += `\n${coturn.tail()}`;
  return err;
}

describe('TURN credentials with a real coturn (deploy/coturn/turnserver.test.conf via scripts/coturn.sh)', () => {
  let coturn;
  let server;
  let urls;

  before(async () => {
    const missing = missingTools();
    if (missing) throw new Error(missing);
    coturn = await startCoturn({ secret: SECRET });
    urls = turnUrls(coturn.port, coturn.tlsPort);
    assert.equal(coturn.urls, urls.join(','), 'scripts/coturn.sh prints the SERENDIP_TURN_URLS value for its ports');
    server = await startServer({
      label: 'turn',
      env: { SERENDIP_TURN_SECRET: SECRET, SERENDIP_TURN_URLS: urls.join(',') },
    });
  });

  after(async () => {
    await closeAllClients();
    if (server) await server.stop();
    if (coturn) await coturn.stop();
  });

  const t = (name, fn) =>
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        throw withTurnLog(e, coturn);
      }
    });

  t('GET /api/v1/turn-credentials returns every URL, ttl 3600 and a coturn REST credential', async () => {
    const session = await createSession(server);
    const t0 = nowS();
    const res = await getCredentials(server, session.token);
    assert.equal(res.status, 200, describeResponse(res));
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store', 'credentials must not be cached');
    assert.deepEqual(Object.keys(res.json).sort(), ['iceServers', 'ttl']);
    assert.equal(res.json.ttl, DEFAULT_TTL);
    assert.ok(Array.isArray(res.json.iceServers) && res.json.iceServers.length === 1, describeResponse(res));
    const [entry] = res.json.iceServers;
    assert.deepEqual(entry.urls, urls, 'the configured URLs, in order');
    assert.deepEqual(Object.keys(entry).sort(), ['credential', 'urls', 'username']);
    const { expiry } = checkCredential(entry, { sub: session.claims.sub, what: 'turn-credentials' });
    assert.ok(expiry >= t0 + DEFAULT_TTL && expiry <= nowS() + DEFAULT_TTL, `expiry ${expiry}`);
  });

  t('GET /api/v1/turn-credentials needs a valid session token', async () => {
    const none = await getCredentials(server);
    assert.equal(none.status, 401, describeResponse(none));
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.equal(none.json?.error?.code, 'unauthorized');

    const session = await createSession(server);
    const now = nowS();
    const expired = signJwt({ ...session.claims, iat: now - 600, exp: now - 300 });
    const exp = await getCredentials(server, expired);
    assert.equal(exp.status, 401, `expired token: ${describeResponse(exp)}`);

    const foreign = signJwt(session.claims, { secret: 'not-the-server-secret-0123456789abcdef' });
    const bad = await getCredentials(server, foreign);
    assert.equal(bad.status, 401, `token signed with another key: ${describeResponse(bad)}`);
    assert.ok(!bad.text.includes('credential'), 'no credential in a refusal');
  });

  t('welcome carries the same iceServers scheme as the endpoint', async () => {
    const c = await helloed(server, { label: 'turn-welcome' });
    const ice = c.welcome.iceServers;
    assert.ok(Array.isArray(ice) && ice.length === 1, JSON.stringify(c.welcome));
    assert.deepEqual(ice[0].urls, urls);
    checkCredential(ice[0], { sub: c.welcome.userId, what: 'welcome' });
    assert.equal(c.welcome.userId, c.claims.sub);
  });

  // Each turnutils_uclient run takes 4-6 s (15 s over TLS with 10 messages), so the three
  // transports run at the same time, each with its own user, started by the first test.
  let runs;
  const allocations = () => {
    runs ??= Promise.all(['udp', 'tcp', 'tls'].map(async (transport) => {
      const session = await createSession(server);
      const res = await getCredentials(server, session.token);
      assert.equal(res.status, 200, describeResponse(res));
      const { username, credential } = res.json.iceServers[0];
      const port = transport === 'tls' ? coturn.tlsPort : coturn.port;
      return [transport, await uclient({ port, username, password: credential, transport })];
    })).then((list) => Object.fromEntries(list));
    return runs;
  };

  for (const transport of ['udp', 'tcp', 'tls']) {
    t(`turnutils_uclient allocates and relays over ${transport.toUpperCase()} with credentials issued by the server`, async () => {
      const r = (await allocations())[transport];
      assert.equal(r.code, 0, describeRun(r, r.cmdline));
      assert.match(r.stdout + r.stderr, /Total lost packets/, `uclient did not finish the exchange\n${describeRun(r, r.cmdline)}`);
      if (transport === 'tls') assert.match(r.stdout + r.stderr, /tls_connect: client session connected/);
    });
  }

  t('coturn refuses tampered credentials', async () => {
    const session = await createSession(server);
    const res = await getCredentials(server, session.token);
    const { username, credential } = res.json.iceServers[0];
    const [expiry, sub] = [username.slice(0, username.indexOf(':')), username.slice(username.indexOf(':') + 1)];
    const flipped = credential[0] === 'A' ? `B${credential.slice(1)}` : `A${credential.slice(1)}`;
    const cases = [
      { what: 'credential with one character changed', username, password: flipped },
      { what: 'another user in the username, same credential', username: `${expiry}:u_someone_else_0000000000`, password: credential },
      { what: 'expiry pushed back by a day, same credential', username: `${Number(expiry) + 86400}:${sub}`, password: credential },
      { what: 'empty credential', username, password: 'x' },
    ];
    for (const c of cases) {
      const r = await uclient({ port: coturn.port, username: c.username, password: c.password, transport: 'udp', timeoutMs: 20000 });
      assert.notEqual(r.code, 0, `${c.what}: coturn accepted it\n${describeRun(r, r.cmdline)}`);
      assert.ok(!r.timedOut, `${c.what}: uclient hung instead of failing\n${describeRun(r, r.cmdline)}`);
    }
  });

  t('coturn refuses an expired credential even when it is signed with the right secret', async () => {
    const session = await createSession(server);
    for (const [transport, port] of [['udp', coturn.port], ['tcp', coturn.port]]) {
      const forged = turnCredential(SECRET, session.claims.sub, nowS() - 60);
      const r = await uclient({ port, username: forged.username, password: forged.credential, transport, timeoutMs: 20000 });
      assert.notEqual(r.code, 0, `${transport}: coturn accepted an expired credential\n${describeRun(r, r.cmdline)}`);
      assert.ok(!r.timedOut, `${transport}: uclient hung\n${describeRun(r, r.cmdline)}`);
    }
    // turnCredential() computes exactly what the server issues (checked in the first test), so
    // the only difference from a working credential is the expiry.
  });

  t('coturn refuses a credential made with another secret', async () => {
    const session = await createSession(server);
    const forged = turnCredential('some-other-secret-0123456789', session.claims.sub, nowS() + 3600);
    const r = await uclient({ port: coturn.port, username: forged.username, password: forged.credential, timeoutMs: 20000 });
    assert.notEqual(r.code, 0, describeRun(r, r.cmdline));
  });

  t('the test configuration still refuses private peers (10.0.0.0/8 -> 403 Forbidden IP)', async () => {
    const cred = turnCredential(SECRET, 'peer-check', nowS() + 600);
    const r = await uclient({ port: coturn.port, username: cred.username, password: cred.credential, peer: '10.1.2.3', messages: 2, timeoutMs: 20000 });
    assert.notEqual(r.code, 0, describeRun(r, r.cmdline));
    assert.match(r.stdout + r.stderr, /403/, describeRun(r, r.cmdline));
  });
});

// ---- one TURN user per device: coturn's user-quota binds to the device, not to a token ----

describe('TURN credentials bind to the device (coturn user-quota across tokens; none for a blocked device)', () => {
  const QUOTA = 3; // turnutils_uclient -c -y -m 1 holds 2 allocations; a quota of 3 lets exactly one run through
  let coturn;
  let server;
  let admin;
  const t = (name, fn) =>
    test(name, async () => {
      try {
        await fn();
      } catch (e) {
        throw withTurnLog(annotate(e, server), coturn);
      }
    });

  before(async () => {
    const missing = missingTools();
    if (missing) throw new Error(missing);
    coturn = await startCoturn({ secret: SECRET, args: [`--user-quota=${QUOTA}`] });
    server = await startModServer(freshSqlite(), {
      label: 'turn-device',
      env: { SERENDIP_TURN_SECRET: SECRET, SERENDIP_TURN_URLS: turnUrls(coturn.port, coturn.tlsPort).join(',') },
    });
    admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.1' });
  });
  after(async () => {
    await closeAllClients();
    if (server) await server.stop();
    if (coturn) await coturn.stop();
  });

  const credentialsFor = async (deviceId, ip) => {
    const session = await sessionRequest(server, { deviceId, ip });
    expectStatus(session, 200, `session for ${deviceId}`);
    const res = await call(server, 'GET', '/api/v1/turn-credentials', { token: session.json.token, ip });
    expectStatus(res, 200, 'turn-credentials');
    return { token: session.json.token, claims: decodeJwt(session.json.token).payload, entry: res.json.iceServers[0] };
  };
  const userPart = (username) => username.slice(username.indexOf(':') + 1);

  t('every token of one device names the same TURN user; another device another', async () => {
    const device = randomDeviceId();
    const one = await credentialsFor(device, nextIp());
    const two = await credentialsFor(device, nextIp());
    const other = await credentialsFor(randomDeviceId(), nextIp());
    assert.notEqual(one.claims.jti, two.claims.jti);
    assert.equal(one.claims.sub, two.claims.sub, 'one device, one user id');
    assert.equal(userPart(one.entry.username), userPart(two.entry.username));
    assert.notEqual(userPart(other.entry.username), userPart(one.entry.username));
    for (const c of [one, two, other]) checkCredential(c.entry, { sub: c.claims.sub, what: 'device-bound credential' });
    assert.ok(!one.entry.username.includes(one.claims.did), 'the TURN username does not carry the device key');
  });

  t(`coturn's user-quota (${QUOTA}) holds for a device across tokens and credentials, not for another device`, async () => {
    const device = randomDeviceId();
    const first = await credentialsFor(device, nextIp());
    await sleep(1100); // a later expiry: the two usernames differ in their timestamp, as they would in life
    const second = await credentialsFor(device, nextIp());
    assert.notEqual(first.entry.username, second.entry.username);
    const other = await credentialsFor(randomDeviceId(), nextIp());

    // The first credential holds two allocations (two relaying clients) for a while.
    const holder = spawnTracked('turnutils_uclient', ['-c', '-y', '-n', '400', '-m', '1', '-u', first.entry.username,
      '-w', first.entry.credential, '-p', String(coturn.port), '127.0.0.1'], { label: 'uclient-holder' });
    try {
      // Its allocations are made within a second; give it two (the exchange of 400 messages lasts longer).
      await sleep(2000);
      assert.equal(holder.child.exitCode, null, `the holding client ended early:\n${holder.output()}`);

      const same = await uclient({ port: coturn.port, username: second.entry.username, password: second.entry.credential,
        extra: ['-c'], messages: 3, timeoutMs: 20000 });
      assert.notEqual(same.code, 0, `a second token of the same device got past the per-user quota\n${describeRun(same, same.cmdline)}`);
      assert.match(same.stdout + same.stderr, /486/, `expected 486 Allocation Quota Reached\n${describeRun(same, same.cmdline)}`);

      const another = await uclient({ port: coturn.port, username: other.entry.username, password: other.entry.credential,
        extra: ['-c'], messages: 3, timeoutMs: 20000 });
      assert.equal(another.code, 0, `another device is not held by this device's quota\n${describeRun(another, another.cmdline)}`);
    } finally {
      await holder.stop();
    }
  });

  t('a device blocked after its token was issued gets no TURN credential (403 banned); others still do', async () => {
    const ip = nextIp();
    const mine = await credentialsFor(randomDeviceId(), ip);
    const block = await call(server, 'POST', '/api/v1/admin/blocks', {
      token: admin,
      json: { device: mine.claims.did, durationS: 3600, reason: 'turn test' },
    });
    expectStatus(block, 201, 'block the device');
    const res = await call(server, 'GET', '/api/v1/turn-credentials', { token: mine.token, ip });
    assert.equal(res.status, 403, describeResponse(res));
    assert.equal(res.json?.error?.code, 'banned');
    assert.ok(!res.text.includes('credential'), 'no credential in the refusal');
    await credentialsFor(randomDeviceId(), nextIp());
    const metrics = await request(server, 'GET', '/metrics');
    assert.match(metrics.text, /^serendip_http_turn_credentials_refused_total 1$/m);
  });
});

describe('TURN settings variants', () => {
  test('without TURN settings: iceServers is [] in the endpoint and in welcome', async () => {
    const s = await startServer({ label: 'no-turn' });
    try {
      const session = await createSession(s);
      const res = await getCredentials(s, session.token);
      assert.equal(res.status, 200, describeResponse(res));
      assert.deepEqual(res.json.iceServers, []);
      assert.equal(res.json.ttl, DEFAULT_TTL);
      const c = await helloed(s, { label: 'no-turn' });
      assert.deepEqual(c.welcome.iceServers, []);
    } finally {
      await closeAllClients();
      await s.stop();
    }
  });

  test('TURN URLs without a secret: one entry with the URLs and no credentials', async () => {
    const urls = turnUrls(3478, 5349);
    const s = await startServer({ label: 'turn-no-secret', env: { SERENDIP_TURN_URLS: urls.join(',') } });
    try {
      const session = await createSession(s);
      const res = await getCredentials(s, session.token);
      assert.equal(res.status, 200, describeResponse(res));
      assert.deepEqual(res.json.iceServers, [{ urls }]);
      const c = await helloed(s, { label: 'turn-no-secret' });
      assert.deepEqual(c.welcome.iceServers, [{ urls }]);
    } finally {
      await closeAllClients();
      await s.stop();
    }
  });

  test('SERENDIP_TURN_TTL_S sets ttl and the credential expiry', async () => {
    const urls = turnUrls(3478, 5349);
    const s = await startServer({
      label: 'turn-ttl',
      env: { SERENDIP_TURN_SECRET: SECRET, SERENDIP_TURN_URLS: urls.join(','), SERENDIP_TURN_TTL_S: '120' },
    });
    try {
      const session = await createSession(s);
      const res = await getCredentials(s, session.token);
      assert.equal(res.status, 200, describeResponse(res));
      assert.equal(res.json.ttl, 120);
      checkCredential(res.json.iceServers[0], { sub: session.claims.sub, ttl: 120, what: 'ttl 120' });
      const c = await helloed(s, { label: 'turn-ttl' });
      checkCredential(c.welcome.iceServers[0], { sub: c.welcome.userId, ttl: 120, what: 'welcome ttl 120' });
    } finally {
      await closeAllClients();
      await s.stop();
    }
  });
});

// ---- the production configuration ----

async function tcpOpen(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

describe('production coturn configuration (deploy/coturn/turnserver.prod.conf via run-turnserver.sh)', () => {
  const PROD_SECRET = `prod-${crypto.randomBytes(16).toString('base64url')}`;
  // Second line of the secret file: the previous secret, still accepted during a rotation.
  const OLD_SECRET = `old-${crypto.randomBytes(16).toString('base64url')}`;
  let dir;
  let proc;
  let port;
  let tlsPort;
  let logFile;
  const ipv6 = hasIpv6Loopback();
  const log = () => {
    try {
      return fs.readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const diag = () => `--- turnserver (production config) log, last lines ---\n${log().split('\n').slice(-25).join('\n')}\n--- output ---\n${proc?.output().slice(-2000)}`;

  before(async () => {
    const missing = missingTools();
    if (missing) throw new Error(missing);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-coturn-prod-'));
    const certs = await makeCertificates(dir);
    fs.writeFileSync(path.join(dir, 'turn_secret'), `${PROD_SECRET}\n${OLD_SECRET}\n`, { mode: 0o600 });
    port = await freeTcpUdpPort();
    tlsPort = await freeTcpUdpPort([port]);
    logFile = path.join(dir, 'turnserver.log');
    // Per-host values on the command line, as documented in docs/turn.md: loopback addresses,
    // ports, certificate, realm. Everything else comes from the production file.
    const args = [
      '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', ...(ipv6 ? ['--relay-ip=::1'] : []),
      `--listening-port=${port}`, `--tls-listening-port=${tlsPort}`, '--min-port=49152', '--max-port=65535',
      `--cert=${certs.cert}`, `--pkey=${certs.key}`, '--realm=serendip.test',
      `--log-file=${logFile}`, '--simple-log', '--no-stdout-log',
      `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--userdb=${path.join(dir, 'turndb')}`,
    ];
    proc = spawnTracked(path.join(COTURN_DIR, 'run-turnserver.sh'), args, {
      label: 'turnserver-prod',
      env: {
        ...process.env,
        TURN_CONFIG: path.join(COTURN_DIR, 'turnserver.prod.conf'),
        TURN_SECRET_FILE: path.join(dir, 'turn_secret'),
        TURN_RUNTIME_DIR: path.join(dir, 'run'),
      },
    });
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null) throw new Error(`turnserver (production config) exited\n${diag()}`);
      if (log().includes('Total General servers') && (await tcpOpen(port)) && (await tcpOpen(tlsPort))) return;
      await sleep(50);
    }
    throw new Error(`turnserver (production config) did not come up\n${diag()}`);
  });

  after(async () => {
    if (proc) await proc.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const t = (name, opts, fn) => {
    if (typeof opts === 'function') [fn, opts] = [opts, {}];
    return test(name, opts, async () => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof Error) e.message += `\n${diag()}`;
        throw e;
      }
    });
  };

  t('loads cleanly: every denied-peer-ip line is in effect, no loopback peers, no CLI', async () => {
    const conf = fs.readFileSync(path.join(COTURN_DIR, 'turnserver.prod.conf'), 'utf8');
    const active = conf.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.ok(!active.some((l) => /^allow-loopback-peers/.test(l)), 'allow-loopback-peers in the production config');
    assert.ok(!active.some((l) => /^static-auth-secret/.test(l)), 'a secret is committed in the production config');
    for (const need of ['use-auth-secret', 'fingerprint', 'no-cli', 'no-multicast-peers', 'no-tlsv1', 'no-tlsv1_1']) {
      assert.ok(active.includes(need), `production config lacks ${need}`);
    }
    const denied = active.filter((l) => l.startsWith('denied-peer-ip=')).map((l) => l.slice('denied-peer-ip='.length));
    assert.ok(denied.length >= 20, `only ${denied.length} denied-peer-ip lines`);
    const text = log();
    for (const range of denied) assert.ok(text.includes(`Black listing: ${range}\n`), `coturn did not take denied-peer-ip=${range}`);
    assert.doesNotMatch(text, /CONFIG ERROR|CONFIGURATION ALERT|Bad configuration|unknown option/i);
    assert.doesNotMatch(text, /allow_loopback_peers/);
    assert.match(text, /375000 bytes per second allowed per session/);
  });

  t('run-turnserver.sh keeps the secret off the command line and in a 0600 file', async () => {
    const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
    assert.equal(path.basename(cmdline[0]), 'turnserver', `exec'd turnserver in place: ${cmdline.join(' ')}`);
    assert.ok(!cmdline.join(' ').includes(PROD_SECRET), 'the secret is visible on the command line');
    const runtime = path.join(dir, 'run', 'turnserver.conf');
    assert.equal(fs.statSync(runtime).mode & 0o777, 0o600);
    const text = fs.readFileSync(runtime, 'utf8');
    assert.ok(text.includes(`\nstatic-auth-secret=${PROD_SECRET}\n`), 'first secret line');
    assert.ok(text.includes(`\nstatic-auth-secret=${OLD_SECRET}\n`), 'second secret line (rotation)');
  });

  t('a valid credential allocates, but relaying to a loopback peer is refused (403 Forbidden IP)', async () => {
    const cred = turnCredential(PROD_SECRET, 'u_prod_check', nowS() + 600);
    const r = await uclient({ port, username: cred.username, password: cred.credential, messages: 2, timeoutMs: 20000 });
    assert.notEqual(r.code, 0, `relayed to 127.0.0.1 with the production config\n${describeRun(r, r.cmdline)}`);
    // 403 comes from CreatePermission/ChannelBind, which need an allocation: authentication passed.
    assert.match(r.stdout + r.stderr, /403 \(Forbidden IP\)/, describeRun(r, r.cmdline));
    assert.doesNotMatch(r.stdout + r.stderr, /401/, describeRun(r, r.cmdline));
    // During a rotation a credential made with the old secret (second line) still authenticates.
    const rotated = turnCredential(OLD_SECRET, 'u_prod_check_old', nowS() + 600);
    const o = await uclient({ port, username: rotated.username, password: rotated.credential, messages: 2, timeoutMs: 20000 });
    assert.match(o.stdout + o.stderr, /403 \(Forbidden IP\)/, `old secret: ${describeRun(o, o.cmdline)}`);
    assert.doesNotMatch(o.stdout + o.stderr, /401/, `old secret: ${describeRun(o, o.cmdline)}`);
    const wrong = turnCredential('not-the-secret-0123456789', 'u_prod_check', nowS() + 600);
    const w = await uclient({ port, username: wrong.username, password: wrong.credential, messages: 2, timeoutMs: 20000 });
    assert.notEqual(w.code, 0, describeRun(w, w.cmdline));
    assert.doesNotMatch(w.stdout + w.stderr, /403/, 'a wrong secret fails at authentication, before any permission');
  });

  const denied4 = ['10.1.2.3', '172.16.5.4', '172.31.255.254', '192.168.1.1', '100.64.0.1', '169.254.169.254', '127.0.0.53', '0.0.0.0', '198.18.0.1', '240.0.0.1'];
  const denied6 = ['::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1'];
  t(`private, loopback, link-local, CGNAT and reserved IPv4 peers are refused: ${denied4.join(' ')}`, async () => {
    for (const [i, peer] of denied4.entries()) {
      // One user per peer: refused allocations linger until they expire, and user-quota counts them.
      const cred = turnCredential(PROD_SECRET, `u_prod_peer4_${i}`, nowS() + 600);
      const r = await uclient({ port, username: cred.username, password: cred.credential, peer, messages: 2, timeoutMs: 20000 });
      assert.notEqual(r.code, 0, `${peer} was allowed\n${describeRun(r, r.cmdline)}`);
      assert.match(r.stdout + r.stderr, /403 \(Forbidden IP\)/, `${peer}\n${describeRun(r, r.cmdline)}`);
    }
  });

  t(`IPv6 special-purpose peers are refused: ${denied6.join(' ')}`, { skip: !ipv6 && 'no IPv6 loopback (::1) here' }, async () => {
    for (const [i, peer] of denied6.entries()) {
      const cred = turnCredential(PROD_SECRET, `u_prod_peer6_${i}`, nowS() + 600);
      const r = await uclient({ port, username: cred.username, password: cred.credential, peer, messages: 2, extra: ['-x'], timeoutMs: 20000 });
      assert.notEqual(r.code, 0, `${peer} was allowed\n${describeRun(r, r.cmdline)}`);
      assert.match(r.stdout + r.stderr, /403 \(Forbidden IP\)/, `${peer}\n${describeRun(r, r.cmdline)}`);
    }
  });

  // Public peers must stay allowed (a range starting at "::" would deny all of IPv4 in coturn
  // 4.6). Checked on the configuration itself: tests never address anything off this machine.
  t('no denied range covers public addresses (checked on the file, no traffic)', () => {
    const conf = fs.readFileSync(new URL('../../../deploy/coturn/turnserver.prod.conf', import.meta.url), 'utf8');
    const v4 = (a) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const ranges = conf.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('denied-peer-ip='))
      .map((l) => l.slice('denied-peer-ip='.length));
    assert.ok(ranges.length > 10, 'denied ranges present');
    for (const r of ranges) {
      assert.ok(!r.startsWith('::-') && r !== '::', `range ${r} would deny all of IPv4 in coturn 4.6`);
      const [lo, hi = lo] = r.split('-');
      if (!lo.includes('.')) continue;
      for (const publicIp of ['8.8.8.8', '1.1.1.1', '93.184.216.34']) {
        const x = v4(publicIp);
        assert.ok(!(v4(lo) <= x && x <= v4(hi)), `${r} denies the public address ${publicIp}`);
      }
    }
  });

  t('TLS listener: TLS 1.2 with a forward-secret AEAD suite; TLS 1.0 and 1.1 refused', async () => {
    const ok = await tlsHandshake(tlsPort, '-tls1_2');
    assert.ok(ok.established, describeRun(ok, ok.cmdline));
    assert.match(ok.cipher, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/, `cipher ${ok.cipher}`);
    // coturn 4.6.1 does not answer an old ClientHello with an alert: it leaves it unanswered,
    // so these end at the timeout.
    const old = await Promise.all(['-tls1_1', '-tls1'].map((v) => tlsHandshake(tlsPort, v, { timeoutMs: 2500 })));
    for (const r of old) assert.ok(!r.established, `${r.cmdline}: handshake completed: ${r.protocol} ${r.cipher}`);
  });
});
