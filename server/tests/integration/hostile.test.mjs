// Slow and hostile clients (issue 14): oversized WebSocket messages get a close 1009 that the
// client really receives; slowloris and half-open sockets are cut after the HTTP timeout; a
// client that never reads is cut once its send queue is full; 10,000 connections from one
// address hit the per-address cap while the server's memory stays bounded and a user from
// another address still gets matched; the total cap; WebSockets behind a trusted proxy are
// counted by their forwarded address.
//
// The per-address cap here is 200 (the default is 300) and the HTTP timeout 1.5 s (default
// 15 s), so that the file runs in well under two minutes.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { connect, helloed, matchedPair } from './client.mjs';
import { useServer, withServer } from './server.mjs';
import { connectWss, launchServer, makeCertificates } from './tools.mjs';
import { describeResponse, expectSoon, parseMetrics, request, sleep, TEST_ORIGIN, uniqueLang, waitFor } from './util.mjs';

const HTTP_TIMEOUT_MS = 1500;
const PER_ADDRESS = 200;

const srv = useServer({
  label: 'hostile',
  flags: {
    'http-timeout-ms': HTTP_TIMEOUT_MS,
    'max-connections-per-ip': PER_ADDRESS,
    // The slow-reader test fills a queue quickly: its sender may go fast.
    'messages-per-second': 2000,
    'messages-burst': 2000,
  },
});

function vmRssKiB(server) {
  const status = fs.readFileSync(`/proc/${server.proc.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]);
}

async function metric(server, name, labels = {}) {
  const res = await request(server, 'GET', '/metrics');
  assert.equal(res.status, 200, describeResponse(res));
  const found = parseMetrics(res.text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}

// A raw TCP connection that records what it receives and when it ends.
function rawSocket(server, { localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: server.host, port: server.port, localAddress });
    const state = { sock, data: '', ended: null, openedAt: 0, error: null };
    state.done = new Promise((done) => {
      sock.on('close', () => {
        state.ended = Date.now();
        done(state);
      });
    });
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      state.data += d;
    });
    sock.on('error', (e) => {
      state.error = e;
      if (!state.openedAt) reject(e);
    });
    sock.on('connect', () => {
      state.openedAt = Date.now();
      resolve(state);
    });
  });
}

// Writes `text` one byte every `everyMs` until the socket closes or the text runs out.
async function trickle(state, text, everyMs) {
  for (const ch of text) {
    if (state.ended || state.sock.destroyed) return;
    state.sock.write(ch);
    await sleep(everyMs);
  }
}

function upgradeHead(server) {
  return (
    `GET /ws HTTP/1.1\r\nHost: ${server.host}:${server.port}\r\nOrigin: ${TEST_ORIGIN}\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
  );
}

// --------------------------------------------------------------------------- 1009

for (const [label, bytes] of [['40 KiB', 40 * 1024], ['1 MiB', 1024 * 1024], ['4 MiB', 4 * 1024 * 1024]]) {
  srv.test(`a ${label} message gets a close 1009 that the client receives, and the peer gets peer_left`, async (s) => {
    const p = await matchedPair(s, uniqueLang());
    p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: 'x'.repeat(bytes) });
    const info = await p.a.closed(5000);
    assert.equal(info.code, 1009, p.a.history());
    const pl = await p.b.next('peer_left');
    assert.equal(pl.reason, 'disconnect');
    await p.b.expectNone('offer', 0);
  });
}

srv.test('the peer hears peer_left at once when an oversized message is cut, even if its sender then goes silent', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  // One masked text frame announcing 64 MiB, then 40 KiB of it, then nothing: the sender neither
  // finishes nor closes, so the server's drain after its close frame waits on it.
  const header = Buffer.alloc(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(64n * 1024n * 1024n, 2);
  crypto.randomFillSync(header, 10, 4);
  // It stops reading too, so its WebSocket library never answers the server's close frame.
  p.a.ws._socket.pause();
  p.a.ws._socket.write(Buffer.concat([header, crypto.randomBytes(40 * 1024)]));
  const t0 = Date.now();
  const pl = await p.b.next('peer_left', 3000);
  assert.equal(pl.reason, 'disconnect');
  assert.ok(Date.now() - t0 < 3000, `peer_left after ${Date.now() - t0} ms`);
});

srv.test('a 1 MiB message before hello gets close 1009 too', async (s) => {
  const c = await connect(s);
  c.sendRaw('y'.repeat(1024 * 1024));
  const info = await c.closed(5000);
  assert.equal(info.code, 1009, c.history());
});

srv.test('a fragmented message that grows over the limit gets close 1009', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const piece = 'z'.repeat(16 * 1024);
  // 64 fragments of 16 KiB: over the 32 KiB limit at the third; the client keeps sending.
  for (let i = 0; i < 64 && p.a.isOpen; i++) p.a.sendRaw(piece, { fin: i === 63 });
  const info = await p.a.closed(5000);
  assert.equal(info.code, 1009, p.a.history());
  assert.equal((await p.b.next('peer_left')).reason, 'disconnect');
});

test('over TLS, a 4 MiB message gets a close 1009 that the client receives', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-hostile-tls-'));
  let server;
  try {
    server = await launchServer({ label: 'hostile-tls', tls: await makeCertificates(dir) });
    for (const bytes of [1024 * 1024, 4 * 1024 * 1024]) {
      const c = await connectWss(server);
      c.sendRaw('t'.repeat(bytes));
      assert.equal((await c.closed(5000)).code, 1009, `${bytes} bytes: ${c.history()}\n${server.tail(10)}`);
    }
  } finally {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

srv.test('close 1009 is counted', async (s) => {
  const before = await metric(s, 'serendip_ws_closed_total', { code: '1009' });
  const c = await helloed(s);
  c.sendRaw('q'.repeat(2 * 1024 * 1024));
  assert.equal((await c.closed(5000)).code, 1009);
  assert.equal(await waitFor(async () => (await metric(s, 'serendip_ws_closed_total', { code: '1009' })) === before + 1), true);
});

// --------------------------------------------------------------------------- slow and half-open

srv.test('slowloris on HTTP: headers trickled a byte at a time are cut after http-timeout-ms', async (s) => {
  const st = await rawSocket(s);
  st.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  void trickle(st, `X-Slow: ${'a'.repeat(400)}\r\n\r\n`, 50);
  await st.done;
  const lived = st.ended - st.openedAt;
  assert.ok(lived >= HTTP_TIMEOUT_MS - 100 && lived < HTTP_TIMEOUT_MS + 1500, `cut after ${lived} ms`);
  assert.ok(!st.data.includes('200 OK'), `answered: ${st.data.slice(0, 200)}`);
});

srv.test('slowloris on the WebSocket upgrade is cut after http-timeout-ms', async (s) => {
  const st = await rawSocket(s);
  st.sock.write(upgradeHead(s));
  void trickle(st, `X-Slow: ${'b'.repeat(400)}\r\n\r\n`, 50);
  await st.done;
  const lived = st.ended - st.openedAt;
  assert.ok(lived >= HTTP_TIMEOUT_MS - 100 && lived < HTTP_TIMEOUT_MS + 1500, `cut after ${lived} ms`);
  assert.ok(!st.data.includes('101'), `upgraded: ${st.data.slice(0, 200)}`);
});

srv.test('half-open sockets (silent, half a request line, half a body) are cut after http-timeout-ms', async (s) => {
  const silent = await rawSocket(s);
  const halfLine = await rawSocket(s);
  halfLine.sock.write('POST /api/v1/sess');
  const halfBody = await rawSocket(s);
  halfBody.sock.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Content-Length: 200\r\n\r\n{"deviceId":"');
  for (const st of [silent, halfLine, halfBody]) {
    await st.done;
    const lived = st.ended - st.openedAt;
    assert.ok(lived >= HTTP_TIMEOUT_MS - 100 && lived < HTTP_TIMEOUT_MS + 1500, `cut after ${lived} ms`);
  }
  // None of them held anyone else up.
  const res = await request(s, 'GET', '/healthz');
  assert.equal(res.status, 200);
});

srv.test('a client that never reads while its peer sends is cut once its send queue is full', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const slowBefore = await metric(s, 'serendip_ws_slow_consumer_total');
  const rssBefore = vmRssKiB(s);
  // A stops reading: its kernel buffers fill, then the server's queue for it.
  p.a.ws._socket.pause();
  const sdp = 's'.repeat(15 * 1024);
  let sent = 0;
  let peerLeft = null;
  void p.b.next('peer_left', 30000).then((m) => {
    peerLeft = m;
  }, () => {});
  const t0 = Date.now();
  let rssPeak = rssBefore;
  while (!peerLeft && Date.now() - t0 < 30000) {
    // 100 offers of 15 KiB every 100 ms: 15 MB/s, under the test's 2000 messages/s.
    for (let i = 0; i < 100; i++) p.b.send({ type: 'offer', sessionId: p.sessionId, sdp });
    sent += 100;
    await sleep(100);
    rssPeak = Math.max(rssPeak, vmRssKiB(s));
  }
  assert.ok(peerLeft, `B never got peer_left after ${sent} offers`);
  assert.equal(peerLeft.reason, 'disconnect');
  assert.equal(await metric(s, 'serendip_ws_slow_consumer_total'), slowBefore + 1);
  console.log(`# slow reader cut after ${sent} offers (${Math.round((sent * sdp.length) / 1048576)} MiB) in ` +
    `${Date.now() - t0} ms; server VmRSS ${rssBefore} kB before, ${rssPeak} kB at most`);
  // The server held at most its 1 MiB queue for A (plus allocator slack), never what B sent.
  assert.ok(rssPeak - rssBefore < 32 * 1024, `VmRSS grew by ${rssPeak - rssBefore} kB`);
  p.a.ws._socket.resume();
  const info = await p.a.closed(5000);
  assert.equal(info.code, 1006, p.a.history());
  assert.ok(p.b.isOpen, 'the sender stays connected');
});

// --------------------------------------------------------------------------- connection caps

test('10,000 connections from one address: the per-address cap refuses beyond it, memory stays bounded, ' +
  'and a user from another address still gets matched and relays', async () => {
  // Its own server, whose HTTP timeout outlasts the flood: the accepted connections stay open.
  const flags = { 'max-connections-per-ip': PER_ADDRESS, 'http-timeout-ms': 60000 };
  await withServer({ label: 'hostile-flood', flags }, (s) => flood(s));
});

async function flood(s) {
  const FLOOD = '127.0.9.1';
  const TOTAL = 10000;
  const refusedBefore = await metric(s, 'serendip_connections_refused_total', { reason: 'per_address' });
  const rssBefore = vmRssKiB(s);
  const all = [];
  let rssPeak = rssBefore;
  const t0 = Date.now();
  // In waves of 500 connections. The accepted ones hear nothing (they send no request); the
  // refused get 503 and a close at once, and are let go.
  for (let start = 0; start < TOTAL; start += 500) {
    const wave = await Promise.all(Array.from({ length: Math.min(500, TOTAL - start) }, () =>
      rawSocket(s, { localAddress: FLOOD }).catch((e) => ({ error: e, data: '' }))));
    for (const st of wave) {
      all.push(st);
      if (!st.error) st.done.then(() => st.sock.destroy());
    }
    rssPeak = Math.max(rssPeak, vmRssKiB(s));
  }
  // A connection the server has not accepted yet looks like a held one to the client: wait
  // until the server has answered all but the cap's worth (a loaded machine lags behind).
  const isRefused = (st) => st.data.startsWith('HTTP/1.1 503');
  await expectSoon(() => all.filter(isRefused).length >= TOTAL - PER_ADDRESS, 'every connection past the per-address cap refused', { timeoutMs: 30000, intervalMs: 100 });
  await sleep(200);
  rssPeak = Math.max(rssPeak, vmRssKiB(s));
  const held = all.filter((st) => !st.error && !st.ended && st.data === '');
  const refused = all.filter(isRefused).length;
  const other = all.length - held.length - refused;
  const elapsed = Date.now() - t0;
  console.log(`# ${TOTAL} connections from one address in ${elapsed} ms: ${held.length} held, ${refused} refused, ` +
    `${other} other; server VmRSS ${rssBefore} kB before, ${rssPeak} kB at most`);
  assert.equal(held.length, PER_ADDRESS);
  assert.equal(refused, TOTAL - PER_ADDRESS);
  assert.equal(other, 0);
  assert.ok(rssPeak - rssBefore < 32 * 1024, `VmRSS grew by ${rssPeak - rssBefore} kB`);
  assert.equal(await metric(s, 'serendip_connections_refused_total', { reason: 'per_address' }),
    refusedBefore + TOTAL - PER_ADDRESS);

  // What a refused HTTP client reads: 503, Retry-After and a JSON error.
  const res = await request(s, 'GET', '/healthz', { localAddress: FLOOD });
  assert.equal(res.status, 503, describeResponse(res));
  assert.ok(Number(res.headers['retry-after']) >= 1, describeResponse(res));
  assert.equal(res.json?.error?.code, 'unavailable', describeResponse(res));
  assert.ok(res.json.error.retryAfterMs >= 1000, describeResponse(res));

  // Users from other addresses are not affected: session, socket, match, relay.
  const a = await helloed(s, { localAddress: '127.0.0.2', label: 'A' });
  const b = await helloed(s, { localAddress: '127.0.0.3', label: 'B' });
  const p = await matchedPair(s, uniqueLang(), { a, b });
  p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: 'v=0 hostile-test' });
  assert.equal((await p.b.next('offer')).sdp, 'v=0 hostile-test');

  // Once the flood lets go, the address gets its places back.
  for (const st of held) st.sock.destroy();
  const ok = await waitFor(async () => (await request(s, 'GET', '/healthz', { localAddress: FLOOD })).status === 200);
  assert.equal(ok, true, 'the flood address is still refused after closing its sockets');
}

test('the total cap refuses every address once the server is full', async () => {
  await withServer({ label: 'hostile-total', flags: { 'max-connections': 20, 'http-timeout-ms': 30000 } }, async (s) => {
    const open = [];
    for (let i = 0; i < 20; i++) open.push(await rawSocket(s, { localAddress: `127.0.10.${i + 1}` }));
    await sleep(100);
    assert.ok(open.every((st) => !st.ended && st.data === ''), 'an early connection was refused');
    const res = await request(s, 'GET', '/healthz', { localAddress: '127.0.10.200' });
    assert.equal(res.status, 503, describeResponse(res));
    assert.equal(res.json?.error?.code, 'unavailable');
    for (const st of open.splice(0, 5)) st.sock.destroy();
    assert.equal(await waitFor(async () => (await request(s, 'GET', '/healthz')).status === 200), true);
    assert.ok((await metric(s, 'serendip_connections_refused_total', { reason: 'total' })) >= 1);
    for (const st of open) st.sock.destroy();
  });
});

test('behind a trusted proxy, WebSockets are counted by the forwarded address', async () => {
  const flags = { 'trusted-proxies': '127.0.0.1/32', 'max-connections-per-ip': 3 };
  await withServer({ label: 'hostile-proxy', flags }, async (s) => {
    const via = (client) => connect(s, { headers: { 'X-Forwarded-For': client } });
    // The proxy itself (127.0.0.1) is not capped: more than 3 plain requests go through at once.
    const many = await Promise.all(Array.from({ length: 8 }, () => request(s, 'GET', '/healthz')));
    assert.ok(many.every((r) => r.status === 200));
    const first = await Promise.all([via('203.0.113.5'), via('203.0.113.5'), via('203.0.113.5')]);
    const err = await via('203.0.113.5').then(() => null, (e) => e);
    assert.ok(err, 'a fourth WebSocket for one forwarded address was accepted');
    assert.equal(err.status, 503);
    assert.equal(JSON.parse(err.body).error.code, 'unavailable');
    // Another forwarded address is not affected, and a closed socket frees its place.
    const other = await via('203.0.113.6');
    assert.ok(other.isOpen);
    first[0].close(1000);
    await first[0].closed();
    const again = await waitFor(() => via('203.0.113.5').then((c) => c, () => null));
    assert.ok(again, 'the forwarded address is still refused after one socket closed');
    assert.ok((await metric(s, 'serendip_connections_refused_total', { reason: 'per_address' })) >= 1);
  });
});
