// The security envelope of the public edge (issue 4): security headers on every kind of
// response, strict CORS on the REST API, and X-Forwarded-For believed only from a trusted proxy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';

import { SERVER_BIN, startServer, useServer } from './server.mjs';
import { FOREIGN_ORIGIN, TEST_ORIGIN, describeResponse, nextSourceAddress, randomDeviceId, request } from './util.mjs';

const srv = useServer({ label: 'security-headers' });

// ---- helpers ----

// A WebSocket handshake the server refuses; resolves {status, headers, text}.
function refusedUpgrade(server, path, { origin } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
    };
    if (origin) headers.origin = origin;
    const req = http.request({ host: server.host, port: server.port, path, headers, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      reject(new Error(`upgrade to ${path} from ${origin} was accepted (HTTP ${res.statusCode})`));
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('upgrade request timed out')));
    req.end();
  });
}

// Sends raw bytes and parses the HTTP response head that comes back.
function rawRequest(server, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, server.host);
    let data = '';
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => {
      data += d;
    });
    const done = () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number((/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]) || [])[1]);
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status, headers, text: rest.join('\r\n\r\n'), raw: data });
    };
    sock.on('end', done);
    sock.on('close', done);
    sock.on('error', reject);
    sock.setTimeout(5000, () => sock.destroy());
  });
}

function parsePermissionsPolicy(value) {
  const out = {};
  for (const part of String(value).split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function parseCsp(value) {
  const out = {};
  for (const d of String(value).split(';')) {
    const [name, ...sources] = d.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = sources;
  }
  return out;
}

const SAFE_REFERRER_POLICIES = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];

// The headers every response carries, whatever it is.
function assertBaseHeaders(res, what, { cors = false } = {}) {
  const h = res.headers;
  const ctx = `${what}: ${describeResponse(res)}\n  headers: ${JSON.stringify(h)}`;
  assert.equal(h['x-content-type-options'], 'nosniff', `X-Content-Type-Options on ${ctx}`);
  assert.ok(SAFE_REFERRER_POLICIES.includes(h['referrer-policy']), `Referrer-Policy on ${ctx}`);
  assert.ok(h['permissions-policy'], `Permissions-Policy on ${ctx}`);
  const pp = parsePermissionsPolicy(h['permissions-policy']);
  for (const feature of ['camera', 'microphone']) {
    assert.ok(['(self)', 'self'].includes(pp[feature]), `Permissions-Policy ${feature} must be exactly (self) on ${ctx}`);
  }
  for (const [feature, allow] of Object.entries(pp)) {
    assert.ok(!allow.includes('*'), `Permissions-Policy ${feature}=${allow} allows every origin on ${ctx}`);
  }
  assert.equal(h['strict-transport-security'], undefined, `no HSTS over plain HTTP: ${ctx}`);
  if (!cors) assert.equal(h['access-control-allow-origin'], undefined, `no CORS header without an allowed Origin: ${ctx}`);
}

function assertHtmlHeaders(res, what) {
  assertBaseHeaders(res, what);
  const ctx = `${what}: headers ${JSON.stringify(res.headers)}`;
  assert.match(String(res.headers['content-type']), /^text\/html/, ctx);
  const csp = res.headers['content-security-policy'];
  assert.ok(csp, `Content-Security-Policy on ${ctx}`);
  const d = parseCsp(csp);
  assert.deepEqual(d['frame-ancestors'], ["'none'"], `frame-ancestors 'none' in ${csp}`);
  const script = d['script-src'] ?? d['default-src'];
  assert.ok(script, `neither script-src nor default-src in ${csp}`);
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:', 'data:', 'blob:']) {
    assert.ok(!script.includes(bad), `script-src allows ${bad}: ${csp}`);
  }
  assert.ok(d['default-src'] || d['object-src'], `no default-src/object-src fallback in ${csp}`);
  // Connections (fetch, the signaling WebSocket) only to the own origin: no ws:/wss: to any host.
  assert.deepEqual(d['connect-src'], ["'self'"], `connect-src pinned to the own origin in ${csp}`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `X-Frame-Options (for browsers without frame-ancestors): ${ctx}`);
}

// ---- security headers ----

srv.test('HTML pages (/, an SPA route, HEAD /) carry the full header set and a strict CSP', async (s) => {
  for (const [method, path] of [['GET', '/'], ['GET', '/chat/some-route'], ['HEAD', '/']]) {
    const res = await request(s, method, path);
    assert.equal(res.status, 200, `${method} ${path}: ${describeResponse(res)}`);
    assertHtmlHeaders(res, `${method} ${path}`);
  }
});

srv.test('a JavaScript asset carries the base headers', async (s) => {
  const res = await request(s, 'GET', '/assets/app.js');
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(String(res.headers['content-type']), /javascript/);
  assertBaseHeaders(res, 'GET /assets/app.js');
});

srv.test('JSON API answers, /healthz and /metrics carry the base headers', async (s) => {
  const session = await request(s, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() } });
  assert.equal(session.status, 200, describeResponse(session));
  assertBaseHeaders(session, 'POST /api/v1/session');
  const turn = await request(s, 'GET', '/api/v1/turn-credentials', { headers: { authorization: `Bearer ${session.json.token}` } });
  assert.equal(turn.status, 200, describeResponse(turn));
  assertBaseHeaders(turn, 'GET /api/v1/turn-credentials');
  for (const path of ['/healthz', '/readyz', '/metrics']) {
    const res = await request(s, 'GET', path);
    assert.equal(res.status, 200, `${path}: ${describeResponse(res)}`);
    assertBaseHeaders(res, `GET ${path}`);
  }
});

srv.test('404s (API, missing asset) carry the base headers', async (s) => {
  const api = await request(s, 'GET', '/api/v1/no-such-endpoint');
  assert.equal(api.status, 404, describeResponse(api));
  assertBaseHeaders(api, 'GET /api/v1/no-such-endpoint');
  const asset = await request(s, 'GET', '/assets/missing-file.js');
  assert.equal(asset.status, 404, describeResponse(asset));
  assertBaseHeaders(asset, 'GET /assets/missing-file.js');
});

srv.test('error answers (400, 401, 405, 413, malformed HTTP) carry the base headers', async (s) => {
  const cases = [
    ['bad JSON body', 400, () => request(s, 'POST', '/api/v1/session', { body: '{not json' })],
    ['missing bearer token', 401, () => request(s, 'GET', '/api/v1/turn-credentials')],
    ['wrong method', 405, () => request(s, 'GET', '/api/v1/session')],
    ['body over the limit', 413, () => request(s, 'POST', '/api/v1/session', { body: 'x'.repeat(70000) })],
    ['plain GET /ws', 400, () => request(s, 'GET', '/ws')],
    ['malformed request line', 400, () => rawRequest(s, 'GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n')],
  ];
  for (const [what, status, send] of cases) {
    const res = await send();
    assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status}: ${res.text?.slice(0, 200)}`);
    assertBaseHeaders(res, what);
  }
});

srv.test('refused WebSocket upgrades (foreign Origin, wrong path) carry the base headers', async (s) => {
  const foreign = await refusedUpgrade(s, '/ws', { origin: FOREIGN_ORIGIN });
  assert.equal(foreign.status, 403, JSON.stringify(foreign));
  assertBaseHeaders(foreign, 'upgrade from a foreign Origin');
  const wrongPath = await refusedUpgrade(s, '/not-ws', { origin: TEST_ORIGIN });
  assert.equal(wrongPath.status, 404, JSON.stringify(wrongPath));
  assertBaseHeaders(wrongPath, 'upgrade to /not-ws');
});

// ---- CORS ----

function assertVaryOrigin(res, what) {
  const vary = String(res.headers.vary ?? '').toLowerCase().split(',').map((v) => v.trim());
  assert.ok(vary.includes('origin'), `${what}: Vary must include Origin (got ${res.headers.vary})`);
}

srv.test('CORS: an allowed Origin is echoed (never *), with Vary: Origin', async (s) => {
  const res = await request(s, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() }, headers: { origin: TEST_ORIGIN } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(res.headers['access-control-allow-origin'], TEST_ORIGIN);
  assertVaryOrigin(res, 'POST /api/v1/session');
  assert.notEqual(res.headers['access-control-allow-credentials'], 'true', 'the API uses bearer tokens, not cookies');
  const turn = await request(s, 'GET', '/api/v1/turn-credentials', {
    headers: { origin: TEST_ORIGIN, authorization: `Bearer ${res.json.token}` },
  });
  assert.equal(turn.status, 200, describeResponse(turn));
  assert.equal(turn.headers['access-control-allow-origin'], TEST_ORIGIN);
  assertVaryOrigin(turn, 'GET /api/v1/turn-credentials');
  // Errors from an allowed origin are readable too (the web app shows them).
  const err = await request(s, 'GET', '/api/v1/turn-credentials', { headers: { origin: TEST_ORIGIN } });
  assert.equal(err.status, 401);
  assert.equal(err.headers['access-control-allow-origin'], TEST_ORIGIN);
});

srv.test('CORS: foreign, null and look-alike Origins get no CORS headers', async (s) => {
  const origins = [FOREIGN_ORIGIN, 'null', `${TEST_ORIGIN}.evil.test`, `${TEST_ORIGIN}:8443`, TEST_ORIGIN.replace('https:', 'http:'), `${TEST_ORIGIN}/`];
  for (const origin of origins) {
    const res = await request(s, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() }, headers: { origin } });
    assert.equal(res.headers['access-control-allow-origin'], undefined, `${origin}: ${JSON.stringify(res.headers)}`);
    assert.equal(res.headers['access-control-allow-methods'], undefined, origin);
    assertVaryOrigin(res, `POST /api/v1/session from ${origin}`);
  }
});

srv.test('CORS: preflight from an allowed Origin is 204 with methods, headers and max-age', async (s) => {
  for (const [path, method, reqHeaders, needHeader] of [
    ['/api/v1/session', 'POST', 'content-type', 'content-type'],
    ['/api/v1/turn-credentials', 'GET', 'authorization', 'authorization'],
    ['/api/v1/session/refresh', 'POST', 'authorization, content-type', 'authorization'],
  ]) {
    const res = await request(s, 'OPTIONS', path, {
      headers: { origin: TEST_ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': reqHeaders },
    });
    const ctx = `OPTIONS ${path}: ${describeResponse(res)} ${JSON.stringify(res.headers)}`;
    assert.equal(res.status, 204, ctx);
    assert.equal(res.headers['access-control-allow-origin'], TEST_ORIGIN, ctx);
    const methods = String(res.headers['access-control-allow-methods']).split(',').map((m) => m.trim().toUpperCase());
    assert.ok(methods.includes(method), `${method} not in Access-Control-Allow-Methods: ${ctx}`);
    assert.ok(!methods.includes('*'), ctx);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(',').map((h) => h.trim());
    assert.ok(allowed.includes(needHeader), `${needHeader} not in Access-Control-Allow-Headers: ${ctx}`);
    assert.ok(!allowed.includes('*'), ctx);
    assert.ok(Number(res.headers['access-control-max-age']) > 0, `Access-Control-Max-Age: ${ctx}`);
    assertVaryOrigin(res, `OPTIONS ${path}`);
    assertBaseHeaders(res, `OPTIONS ${path}`, { cors: true });
  }
});

srv.test('CORS: preflight from a foreign Origin is 403 forbidden without CORS headers', async (s) => {
  for (const origin of [FOREIGN_ORIGIN, 'null', `${TEST_ORIGIN}.evil.test`]) {
    const res = await request(s, 'OPTIONS', '/api/v1/session', {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    const ctx = `${origin}: ${describeResponse(res)} ${JSON.stringify(res.headers)}`;
    assert.equal(res.status, 403, ctx);
    assert.equal(res.json?.error?.code, 'forbidden', ctx);
    assert.equal(res.headers['access-control-allow-origin'], undefined, ctx);
    assert.equal(res.headers['access-control-allow-methods'], undefined, ctx);
    assertBaseHeaders(res, `foreign preflight ${origin}`);
  }
});

srv.test('CORS headers are only for /api/: pages, assets and /healthz get none', async (s) => {
  for (const path of ['/', '/assets/app.js', '/healthz', '/metrics']) {
    const res = await request(s, 'GET', path, { headers: { origin: TEST_ORIGIN } });
    assert.equal(res.headers['access-control-allow-origin'], undefined, `${path}: ${JSON.stringify(res.headers)}`);
  }
});

// ---- client IP: X-Forwarded-For only from a trusted proxy ----
//
// The client IP is what rate limits and blocks are keyed on. It shows from outside through the
// per-IP rate limit of POST /api/v1/session (session_per_ip, docs/abuse.md): once one client
// IP's bucket is empty it gets 429, while another client IP still gets 200. Every request
// uses a fresh device id, so the per-device limit never trips.

async function postSession(server, { localAddress, xff } = {}) {
  return request(server, 'POST', '/api/v1/session', {
    json: { deviceId: randomDeviceId() },
    localAddress,
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  });
}

// Posts until the first 429; returns how many were allowed, or -1 if none was refused.
async function exhaust(server, opts, max = 300) {
  for (let i = 0; i < max; i++) {
    const res = await postSession(server, opts);
    if (res.status === 429) return i;
    assert.equal(res.status, 200, `while emptying the bucket of ${JSON.stringify(opts)}: ${describeResponse(res)}`);
  }
  return -1;
}

async function expectStatus(server, opts, status, what) {
  const res = await postSession(server, opts);
  assert.equal(res.status, status, `${what} (from ${opts.localAddress}, X-Forwarded-For: ${opts.xff}): ${describeResponse(res)}\n${server.tail(10)}`);
  if (status === 429) {
    assert.equal(res.json?.error?.code, 'rate_limited');
    assert.ok(Number(res.headers['retry-after']) >= 1, `Retry-After on 429: ${JSON.stringify(res.headers)}`);
    assertBaseHeaders(res, `429 ${what}`);
  }
}

// The real limits (startServer relaxes them for other suites), a small session_per_ip bucket
// when the build takes --rate-limits: 5 per minute refills one token every 12 s, so an emptied
// bucket stays empty for the few milliseconds the checks take.
function rateLimitOptions() {
  const help = spawnSync(SERVER_BIN, ['--help'], { encoding: 'utf8' });
  const flags = /--rate-limits/.test(`${help.stdout}${help.stderr}`) ? { 'rate-limits': 'session_per_ip=5/60s/5' } : {};
  return { abuse: 'default', flags };
}

test('X-Forwarded-For is believed only from a trusted proxy (trusted-proxies=127.0.0.1/32 vs unset)', async (t) => {
  const limits = rateLimitOptions();
  const trusted = await startServer({ label: 'xff-trusted', env: { SERENDIP_TRUSTED_PROXIES: '127.0.0.1/32' }, ...limits });
  const plain = await startServer({ label: 'xff-untrusted', ...limits });
  try {
    // No trusted proxies: the socket address is the client, whatever X-Forwarded-For says.
    const src = nextSourceAddress();
    const allowed = await exhaust(plain, { localAddress: src, xff: '203.0.113.21' });
    if (allowed < 0) {
      t.skip('POST /api/v1/session has no per-IP rate limit in this build: the client IP is not observable from outside');
      return;
    }
    await expectStatus(plain, { localAddress: src, xff: '203.0.113.22' }, 429, 'untrusted: another X-Forwarded-For changes nothing');
    await expectStatus(plain, { localAddress: src }, 429, 'untrusted: no X-Forwarded-For, same socket address');
    await expectStatus(plain, { localAddress: nextSourceAddress(), xff: '203.0.113.21' }, 200, 'untrusted: another socket address has its own bucket');

    // Trusted proxy 127.0.0.1: the client is the right-most X-Forwarded-For hop that is not a
    // trusted proxy.
    assert.ok((await exhaust(trusted, { localAddress: '127.0.0.1', xff: '203.0.113.31' })) > 0);
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: '203.0.113.32' }, 200, 'trusted: another client behind the proxy');
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: '198.51.100.9, 203.0.113.31' }, 429,
      'trusted: the right-most hop counts, not the left (client-written) one');
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: '203.0.113.31, 203.0.113.33' }, 200,
      'trusted: a client cannot borrow an address by writing it into X-Forwarded-For');
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: '203.0.113.31, 127.0.0.1' }, 429,
      'trusted: trusted hops on the right are skipped');
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: 'not-an-address, 203.0.113.31' }, 429,
      'trusted: garbage left of the client hop is ignored');

    // Same server, a connection that does not come from the trusted proxy: header ignored.
    const other = nextSourceAddress();
    assert.ok((await exhaust(trusted, { localAddress: other, xff: '203.0.113.41' })) > 0);
    await expectStatus(trusted, { localAddress: other, xff: '203.0.113.42' }, 429, 'trusted server, untrusted peer: X-Forwarded-For ignored');
    await expectStatus(trusted, { localAddress: '127.0.0.1', xff: '203.0.113.41' }, 200,
      'the untrusted peer\'s requests were keyed by its socket address, not by the address it claimed');
  } finally {
    await trusted.stop();
    await plain.stop();
  }
});
