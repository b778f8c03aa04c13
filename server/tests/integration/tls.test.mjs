// TLS on the server itself (SERENDIP_TLS_CERT / SERENDIP_TLS_KEY): HTTPS and WSS on the same
// port, TLS 1.3 only, HSTS under TLS, and a testssl.sh scan without high or critical findings.
// The certificate is a throwaway one from a throwaway CA made here with openssl.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { INDEX_MARKER, startServer } from './server.mjs';
import { connectWss, describeRun, httpsRequest, launchServer, makeCertificates, run, tlsHandshake, which } from './tools.mjs';
import { TEST_ORIGIN, describeResponse, randomDeviceId, request } from './util.mjs';

let dir;
let certs;
let server; // TLS
let plain; // the same server without TLS

before(async () => {
  if (!which('openssl')) throw new Error('openssl not found (Debian package openssl)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-tls-'));
  certs = await makeCertificates(dir);
  server = await launchServer({ label: 'tls', tls: certs });
  plain = await startServer({ label: 'tls-off' });
});

after(async () => {
  await closeAllClients();
  if (server) await server.stop();
  if (plain) await plain.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const t = (name, fn) =>
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error && server) e.message += `\n${server.tail(15)}`;
      throw e;
    }
  });

t('the listening log line reports tls: true', async () => {
  const line = server.jsonLogs().find((o) => o.event === 'listening');
  assert.equal(line?.tls, true, JSON.stringify(line));
});

t('openssl s_client -tls1_3 completes a handshake', async () => {
  const r = await tlsHandshake(server.port, '-tls1_3');
  assert.ok(r.established, describeRun(r, r.cmdline));
  assert.equal(r.protocol, 'TLSv1.3');
  assert.match(r.cipher, /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
});

for (const flag of ['-tls1_2', '-tls1_1', '-tls1']) {
  t(`openssl s_client ${flag} is refused`, async () => {
    const r = await tlsHandshake(server.port, flag);
    assert.ok(!r.established, `${flag} handshake completed: ${r.protocol} ${r.cipher}\n${describeRun(r, r.cmdline)}`);
    assert.ok(!r.timedOut, `the server did not answer ${flag} at all\n${describeRun(r, r.cmdline)}`);
    assert.match(`${r.stdout}${r.stderr}`, /alert protocol version|unsupported protocol|no protocols available|wrong version number/,
      describeRun(r, r.cmdline));
  });
}

t('the configured certificate is served (verifies against the test CA for localhost and 127.0.0.1)', async () => {
  for (const servername of ['localhost', undefined]) {
    const res = await new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: server.port, path: '/healthz', ca: fs.readFileSync(certs.ca), servername, agent: false },
        (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode, protocol: r.socket.getProtocol?.() }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 200);
  }
});

t('HTTPS GET /healthz, the web app and the REST API work over TLS 1.3', async () => {
  const health = await httpsRequest(server, 'GET', '/healthz');
  assert.equal(health.status, 200, describeResponse(health));
  assert.deepEqual(health.json, { status: 'ok' });
  assert.equal(health.tls, 'TLSv1.3');
  const page = await httpsRequest(server, 'GET', '/');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(INDEX_MARKER));
  const body = JSON.stringify({ deviceId: randomDeviceId() });
  const session = await httpsRequest(server, 'POST', '/api/v1/session', {
    body,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: TEST_ORIGIN },
  });
  assert.equal(session.status, 200, describeResponse(session));
  assert.equal(typeof session.json.token, 'string');
  assert.equal(session.headers['access-control-allow-origin'], TEST_ORIGIN);
});

t('WSS: hello gets welcome over TLS', async () => {
  const body = JSON.stringify({ deviceId: randomDeviceId() });
  const session = await httpsRequest(server, 'POST', '/api/v1/session', {
    body,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  assert.equal(session.status, 200, describeResponse(session));
  const c = await connectWss(server, { label: 'wss' });
  assert.equal(c.ws._socket.getProtocol(), 'TLSv1.3');
  c.send({ type: 'hello', token: session.json.token, id: 1 });
  const welcome = await c.next(['welcome', 'error'], 3000);
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  assert.equal(welcome.re, 1);
  assert.ok(Array.isArray(welcome.iceServers));
  c.send({ type: 'join', mode: 'video', languages: ['en'], id: 2 });
  const queued = await c.next(['queued', 'error'], 3000);
  assert.equal(queued.type, 'queued', JSON.stringify(queued));
  await c.close();
  // A foreign Origin is refused over WSS as well.
  await assert.rejects(connectWss(server, { origin: 'https://evil.test', label: 'wss-foreign' }), /HTTP 403/);
});

t('HSTS is sent under TLS on every kind of response, and never over plain HTTP', async () => {
  for (const p of ['/', '/assets/app.js', '/healthz', '/api/v1/no-such-endpoint', '/api/v1/turn-credentials']) {
    const res = await httpsRequest(server, 'GET', p);
    const hsts = res.headers['strict-transport-security'];
    assert.ok(hsts, `no HSTS on https ${p} (${res.status})`);
    const maxAge = Number((/max-age=(\d+)/i.exec(hsts) || [])[1]);
    assert.ok(maxAge >= 15552000, `HSTS max-age ${maxAge} under 180 days on ${p}: ${hsts}`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
  }
  for (const p of ['/', '/healthz', '/api/v1/no-such-endpoint']) {
    const res = await request(plain, 'GET', p);
    assert.equal(res.headers['strict-transport-security'], undefined, `HSTS over plain HTTP on ${p}`);
  }
});

t('plain HTTP sent to the TLS port is not served', async () => {
  const answer = await new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1', () => sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    let data = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      data += d;
    });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
    sock.setTimeout(3000, () => sock.destroy());
  });
  // A redirect to https:// would be fine; serving the request in clear text is not.
  const status = Number((/^HTTP\/1\.[01] (\d{3})/.exec(answer) || [])[1]);
  if (status) assert.ok(status >= 300 && status < 400, `answered plain HTTP with ${status}: ${answer.slice(0, 200)}`);
  assert.ok(!answer.includes('"status":"ok"'), 'served /healthz without TLS');
});

// testssl.sh 3.0 (Debian package testssl.sh). --fast with protocols, cipher categories,
// forward secrecy, server defaults (certificate), HTTP headers and vulnerabilities takes about
// 30 s here. The test CA is passed with --add-ca so the chain of trust is checked for real.
const TESTSSL = which('testssl') || which('testssl.sh');
// Findings that come from the throwaway test certificate, not from the server:
const CERT_ONLY = new Set([
  'cert_revocation', // a private test CA publishes no CRL or OCSP responder
]);
test('testssl.sh reports no HIGH or CRITICAL finding', { skip: !TESTSSL && 'testssl.sh is not installed (Debian package testssl.sh)' }, async () => {
  const json = path.join(dir, 'testssl.json');
  const args = [
    '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none', '--fast',
    '--openssl', which('openssl'), '--connect-timeout', '5', '--openssl-timeout', '5',
    '--add-ca', certs.ca,
    '-p', '-s', '-f', '-S', '-h', '-U',
    '--jsonfile', json,
    `127.0.0.1:${server.port}`,
  ];
  const r = await run(TESTSSL, args, { timeoutMs: 55000, env: { ...process.env, TERM: 'dumb' } });
  const cmd = `${path.basename(TESTSSL)} ${args.join(' ')}`;
  assert.ok(!r.timedOut, describeRun(r, cmd));
  assert.ok(fs.existsSync(json), `testssl.sh wrote no JSON\n${describeRun(r, cmd)}`);
  const findings = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.ok(Array.isArray(findings) && findings.length > 20, `too few findings: ${JSON.stringify(findings).slice(0, 500)}`);
  const ids = new Set(findings.map((f) => f.id));
  for (const id of ['TLS1_3', 'TLS1_2', 'heartbleed', 'HSTS_time', 'cert_chain_of_trust']) {
    assert.ok(ids.has(id), `testssl.sh did not report ${id} (incomplete scan?)\n${describeRun(r, cmd)}`);
  }
  const bad = findings.filter((f) => ['HIGH', 'CRITICAL'].includes(f.severity) && !CERT_ONLY.has(f.id));
  assert.deepEqual(bad.map((f) => `${f.severity} ${f.id}: ${f.finding}`), []);
  // The protocol picture testssl.sh saw: TLS 1.3 only.
  const byId = Object.fromEntries(findings.map((f) => [f.id, f.finding]));
  assert.match(byId.TLS1_3, /offered/);
  for (const id of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2']) assert.match(byId[id], /not offered/, `${id}: ${byId[id]}`);
  assert.match(byId.cert_chain_of_trust, /passed/, `chain of trust: ${byId.cert_chain_of_trust}`);
});
