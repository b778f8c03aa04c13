// RFC 6455 conformance of the signaling WebSocket at GET /ws, checked over raw TCP sockets
// (node:net) so that every byte on the wire is under the test's control: the opening
// handshake, masking, reserved bits and opcodes, fragmentation, control frames, UTF-8
// validation of text messages and close reasons, the closing handshake, the message size
// limit, and frames split or joined arbitrarily by TCP.
//
// Each case asserts what a client really receives: the HTTP answer to the upgrade, the
// server's frames (a reply, a pong, a close frame and its code) and the end of the TCP
// connection. Frames are encoded and decoded here: client frames are masked with a fresh
// random 4-byte key, server frames are expected unmasked with the reserved bits clear
// (checked for every frame of every connection after each test).
//
// The application message used to prove that a connection still works is `leave` with an
// `id`: it is valid in every state and always answered with `left` carrying that id as
// `re` (docs/protocol.md, section 5).
//
// The message size limit is `max-frame-bytes` (default 32768, docs/protocol.md section 11.1),
// which the server reports in `welcome.limits.maxFrameBytes`; the size tests read it there.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach } from 'node:test';

import { createSession } from './client.mjs';
import { useServer } from './server.mjs';
import { TEST_ORIGIN, sleep } from './util.mjs';

const srv = useServer({ label: 'ws-conformance' });

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };
const OP_NAMES = { 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

// ---------------------------------------------------------------------------- frames

// One client frame. `declaredLength` writes a payload length other than the payload's own
// (a header announcing more than follows); `mask: false` sends the payload in the clear.
function encodeFrame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, declaredLength } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const len = declaredLength ?? data.length;
  let head;
  if (len < 126) {
    head = Buffer.alloc(2);
    head[1] = len;
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f);
  if (!mask) return Buffer.concat([head, data]);
  head[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, key, body]);
}

// The complete frames at the start of `buf`, and what is left over (a partial frame).
function decodeFrames(buf) {
  const frames = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b0 = buf[off];
    const b1 = buf[off + 1];
    let p = off + 2;
    let len = b1 & 0x7f;
    if (len === 126) {
      if (buf.length - p < 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length - p < 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    let key = null;
    if (masked) {
      if (buf.length - p < 4) break;
      key = buf.subarray(p, p + 4);
      p += 4;
    }
    if (buf.length - p < len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 0x7, opcode: b0 & 0x0f, masked, payload });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

function parseClosePayload(payload) {
  if (payload.length === 0) return { code: null, reason: '', length: 0 };
  if (payload.length === 1) return { code: null, reason: '', length: 1 };
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8'), length: payload.length };
}

function describeFrame(f) {
  const name = OP_NAMES[f.opcode] ?? `opcode ${f.opcode}`;
  let what = `${name}${f.fin ? '' : ' (FIN=0)'} ${f.payload.length} B`;
  if (f.opcode === OP.close) {
    const c = parseClosePayload(f.payload);
    what += ` code=${c.code} reason=${JSON.stringify(c.reason)}`;
  } else if (f.opcode === OP.text || f.opcode === OP.cont) {
    what += ` ${JSON.stringify(f.payload.toString('utf8').slice(0, 120))}`;
  }
  return what;
}

// ---------------------------------------------------------------------------- connections

const openSockets = new Set();
const openConnections = new Set();

afterEach(() => {
  // Every frame the server sent in this test must be unmasked with RSV1-3 clear (RFC 6455,
  // 5.1 and 5.2: no extension was negotiated).
  const problems = [];
  for (const c of openConnections) problems.push(...c.violations);
  openConnections.clear();
  for (const s of openSockets) s.destroy();
  openSockets.clear();
  assert.deepEqual(problems, [], 'the server sent frames that break RFC 6455 framing');
});

function acceptFor(key) {
  return crypto.createHash('sha1').update(key + WS_GUID).digest('base64');
}

function tcpConnect(server) {
  return new Promise((resolve, reject) => {
    // Half-open allowed: a client may go on writing after the server's FIN.
    const sock = net.connect({ host: server.host, port: server.port, allowHalfOpen: true });
    openSockets.add(sock);
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });
}

// Sends an upgrade request (headers given as null are left out) and reads the answer's
// head. Returns {sock, status, headers (lower-case names), rest (bytes after the head), key}.
async function handshake(server, { headers = {}, key = crypto.randomBytes(16).toString('base64'), early } = {}) {
  const sock = await tcpConnect(server);
  const all = {
    Host: `${server.host}:${server.port}`,
    Origin: TEST_ORIGIN,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  let head = 'GET /ws HTTP/1.1\r\n';
  for (const [k, v] of Object.entries(all)) if (v !== null && v !== undefined) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  const answer = await new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer to the upgrade within 5000 ms; got ${JSON.stringify(buf.toString('latin1'))}`));
    }, 5000);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      // Stop reading here: the bytes after the head belong to the WebSocket reader.
      sock.pause();
      cleanup();
      resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`the server closed the connection before answering the upgrade: ${JSON.stringify(buf.toString('latin1'))}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      sock.removeListener('data', onData);
      sock.removeListener('end', onEnd);
      sock.removeListener('close', onEnd);
    };
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('close', onEnd);
    // `early`: frames sent in the same write as the request, before the 101 arrives.
    sock.write(early ? Buffer.concat([Buffer.from(head, 'latin1'), early]) : head);
  });
  const [statusLine, ...lines] = answer.head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  assert.ok(m, `not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const hdrs = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    hdrs[name] = name in hdrs ? `${hdrs[name]}, ${value}` : value;
  }
  return { sock, status: Number(m[1]), statusLine, headers: hdrs, head: answer.head, rest: answer.rest, key };
}

// A WebSocket client over a raw socket: it records every server frame in order, assembles
// data messages, and keeps control frames apart.
class RawWs {
  constructor(sock, leftover = Buffer.alloc(0)) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.log = []; // every frame received, in order
    this.messages = []; // assembled data messages not consumed yet: {opcode, data, text, json}
    this.controls = []; // control frames not consumed yet
    this.partial = null;
    this.violations = [];
    this.finAt = null; // the server's FIN
    this.closedAt = null; // the socket fully closed (or reset)
    this.error = null;
    this.waiters = new Set();
    openConnections.add(this);
    sock.on('data', (d) => this.feed(d));
    sock.on('end', () => {
      this.finAt = Date.now();
      this.wake();
    });
    sock.on('close', () => {
      this.closedAt = Date.now();
      this.wake();
    });
    sock.on('error', (e) => {
      this.error = e;
    });
    if (leftover.length) this.feed(leftover);
    sock.resume();
  }

  get ended() {
    return this.finAt !== null || this.closedAt !== null;
  }

  feed(d) {
    this.buf = Buffer.concat([this.buf, d]);
    const { frames, rest } = decodeFrames(this.buf);
    this.buf = Buffer.from(rest);
    for (const f of frames) {
      this.log.push(f);
      if (f.masked) this.violations.push(`masked server frame: ${describeFrame(f)}`);
      if (f.rsv !== 0) this.violations.push(`server frame with RSV bits ${f.rsv}: ${describeFrame(f)}`);
      if (f.opcode >= 0x8) {
        this.controls.push(f);
      } else if (f.opcode === OP.cont) {
        if (!this.partial) {
          this.violations.push(`server continuation frame without a message: ${describeFrame(f)}`);
        } else {
          this.partial.chunks.push(f.payload);
          if (f.fin) this.finishMessage();
        }
      } else {
        if (this.partial) this.violations.push(`server started a message inside another: ${describeFrame(f)}`);
        this.partial = { opcode: f.opcode, chunks: [f.payload] };
        if (f.fin) this.finishMessage();
      }
    }
    this.wake();
  }

  finishMessage() {
    const data = Buffer.concat(this.partial.chunks);
    const msg = { opcode: this.partial.opcode, data, text: data.toString('utf8'), json: undefined };
    this.partial = null;
    try {
      msg.json = JSON.parse(msg.text);
    } catch {
      /* not JSON */
    }
    this.messages.push(msg);
  }

  wake() {
    for (const w of [...this.waiters]) w();
  }

  history() {
    const frames = this.log.slice(-10).map(describeFrame).join('\n    ');
    const state = this.closedAt ? 'socket closed' : this.finAt ? 'FIN received' : 'socket open';
    return `${state}; ${this.log.length} frame(s) received, last:\n    ${frames || '(none)'}`;
  }

  // Resolves with check()'s first truthy result; rejects when check() throws or on timeout.
  until(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const attempt = () => {
        let r;
        try {
          r = check();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (r) {
          done();
          resolve(r);
        }
      };
      const done = () => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n  ${this.history()}`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  write(buf) {
    this.sock.write(buf);
  }

  send(opcode, payload, opts) {
    this.sock.write(encodeFrame(opcode, payload, opts));
  }

  sendText(textOrObject, opts) {
    const text = typeof textOrObject === 'string' ? textOrObject : JSON.stringify(textOrObject);
    this.send(OP.text, Buffer.from(text, 'utf8'), opts);
  }

  // The next data message that `match` accepts (taken from the queue).
  nextMessage(match, what, timeoutMs = 3000) {
    return this.until(() => {
      const i = this.messages.findIndex(match);
      if (i >= 0) return this.messages.splice(i, 1)[0];
      if (this.controls.some((f) => f.opcode === OP.close)) throw new Error(`the server closed while waiting for ${what}\n  ${this.history()}`);
      if (this.ended) throw new Error(`the connection ended while waiting for ${what}\n  ${this.history()}`);
      return null;
    }, timeoutMs, what);
  }

  nextJson(type, { re, timeoutMs } = {}) {
    const what = `a ${JSON.stringify(type)} message${re === undefined ? '' : ` with re=${re}`}`;
    return this.nextMessage(
      (m) => m.opcode === OP.text && m.json?.type === type && (re === undefined || m.json.re === re),
      what,
      timeoutMs,
    ).then((m) => m.json);
  }

  // The `left` answer to a `leave` with this id: proof that the connection works.
  async roundTrip(id, timeoutMs = 3000) {
    this.sendText({ type: 'leave', id });
    return this.nextJson('left', { re: id, timeoutMs });
  }

  nextControl(opcode, what, timeoutMs = 3000) {
    return this.until(() => {
      const i = this.controls.findIndex((f) => f.opcode === opcode);
      if (i >= 0) return this.controls.splice(i, 1)[0];
      if (opcode !== OP.close && this.controls.some((f) => f.opcode === OP.close)) {
        throw new Error(`the server closed while waiting for ${what}\n  ${this.history()}`);
      }
      if (this.ended) throw new Error(`the connection ended while waiting for ${what}\n  ${this.history()}`);
      return null;
    }, timeoutMs, what);
  }

  // The server's close frame, parsed: {code, reason, length, frame}.
  async closeFrame(timeoutMs = 5000) {
    const f = await this.nextControl(OP.close, 'a close frame', timeoutMs);
    return { ...parseClosePayload(f.payload), frame: f };
  }

  // Resolves when the server has closed its side of the TCP connection (FIN, or a full close).
  waitEnded(timeoutMs = 5000) {
    return this.until(() => this.ended, timeoutMs, 'the server to close the TCP connection');
  }
}

// A connection that has done hello/welcome (a fresh session token each time).
async function ready(server) {
  const session = await createSession(server);
  const hs = await handshake(server);
  assert.equal(hs.status, 101, `upgrade refused:\n${hs.head}`);
  const ws = new RawWs(hs.sock, hs.rest);
  ws.sendText({ type: 'hello', id: 1, token: session.token });
  ws.welcome = await ws.nextJson('welcome', { re: 1 });
  return ws;
}

function maxMessageBytes(ws) {
  const n = ws.welcome?.limits?.maxFrameBytes;
  assert.ok(Number.isInteger(n) && n >= 1024, `welcome.limits.maxFrameBytes is ${JSON.stringify(n)}`);
  return n;
}

// The server must answer with a close frame carrying one of `codes`, send nothing after
// it, and then close the TCP connection (RFC 6455, 7.1.7: _Fail the WebSocket Connection_).
async function expectClose(ws, codes, what) {
  const close = await ws.closeFrame(5000).catch((e) => {
    throw new Error(`${what}: expected a close frame with code ${codes.join(' or ')}: ${e.message}`);
  });
  assert.ok(
    codes.includes(close.code),
    `${what}: expected close code ${codes.join(' or ')}, got ${close.code} (${JSON.stringify(close.reason)})\n  ${ws.history()}`,
  );
  await ws.waitEnded(5000).catch((e) => {
    throw new Error(`${what}: after the close frame: ${e.message}`);
  });
  const after = ws.log.slice(ws.log.indexOf(close.frame) + 1);
  assert.deepEqual(after.map(describeFrame), [], `${what}: frames after the close frame`);
  return close;
}

// Opens a ready connection, lets `act` misbehave on it, and expects a close with `codes`.
async function expectFailure(server, codes, what, act) {
  const ws = await ready(server);
  await act(ws);
  return expectClose(ws, codes, what);
}

const leaveText = (id, extra = {}) => JSON.stringify({ type: 'leave', id, ...extra });

// A `leave` padded with an ignored field to exactly `size` bytes of UTF-8.
function paddedLeave(id, size) {
  const base = leaveText(id, { pad: '' });
  const n = size - Buffer.byteLength(base);
  assert.ok(n >= 0, `cannot pad a leave to ${size} bytes`);
  return Buffer.from(leaveText(id, { pad: 'p'.repeat(n) }), 'utf8');
}

// Splits `buf` into `count` pieces of about the same size.
function split(buf, count) {
  const out = [];
  const step = Math.ceil(buf.length / count);
  for (let i = 0; i < buf.length; i += step) out.push(buf.subarray(i, i + step));
  return out;
}

// Sends `pieces` as one fragmented message: a text (or binary) frame, then continuation frames.
function sendFragmented(ws, pieces, { opcode = OP.text } = {}) {
  pieces.forEach((p, i) => ws.send(i === 0 ? opcode : OP.cont, p, { fin: i === pieces.length - 1 }));
}

// ---------------------------------------------------------------------------- 1. opening handshake

srv.test('handshake: a valid upgrade gets 101 with the right Sec-WebSocket-Accept, Upgrade and Connection', async (s) => {
  // The worked example of RFC 6455, section 1.3, checks the computation itself.
  assert.equal(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  const hs = await handshake(s);
  assert.equal(hs.status, 101, hs.head);
  assert.equal(hs.headers['sec-websocket-accept'], acceptFor(hs.key), hs.head);
  assert.equal(hs.headers.upgrade?.toLowerCase(), 'websocket', hs.head);
  const connection = (hs.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase());
  assert.ok(connection.includes('upgrade'), hs.head);
  // Nothing was offered, so no extension (and no subprotocol) may be selected (4.2.2).
  assert.equal(hs.headers['sec-websocket-extensions'], undefined, hs.head);
  assert.equal(hs.headers['sec-websocket-protocol'], undefined, hs.head);
  assert.equal(hs.rest.length, 0, 'the server sent data before the client did');
});

srv.test('handshake: an offered permessage-deflate is not accepted, so RSV1 keeps no meaning', async (s) => {
  const hs = await handshake(s, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' } });
  assert.equal(hs.status, 101, hs.head);
  assert.equal(hs.headers['sec-websocket-extensions'], undefined, hs.head);
});

srv.test('handshake: Sec-WebSocket-Version 8 is refused with 400 or 426 and the supported version 13', async (s) => {
  const hs = await handshake(s, { headers: { 'Sec-WebSocket-Version': '8' } });
  assert.ok(hs.status === 400 || hs.status === 426, `expected 400 or 426, got:\n${hs.head}`);
  // RFC 6455, 4.4: a server that does not understand the version MUST answer with an error
  // and a Sec-WebSocket-Version header naming the versions it understands.
  const versions = (hs.headers['sec-websocket-version'] ?? '').split(',').map((v) => v.trim());
  assert.ok(versions.includes('13'), `no Sec-WebSocket-Version: 13 in:\n${hs.head}`);
});

srv.test('handshake: a missing Sec-WebSocket-Key is refused with a 4xx status', async (s) => {
  const hs = await handshake(s, { headers: { 'Sec-WebSocket-Key': null } });
  assert.ok(hs.status >= 400 && hs.status < 500, `expected a 4xx status, got:\n${hs.head}`);
  assert.equal(hs.headers['sec-websocket-accept'], undefined, hs.head);
});

// ---------------------------------------------------------------------------- 2. hello

srv.test('a masked text hello gets welcome, in one unmasked text frame', async (s) => {
  const ws = await ready(s);
  assert.equal(ws.welcome.type, 'welcome');
  assert.match(ws.welcome.userId, /^u_[0-9a-f]{24}$/);
  const f = ws.log[0];
  assert.equal(f.opcode, OP.text);
  assert.equal(f.masked, false);
  await ws.roundTrip(2);
});

srv.test('a hello sent in the same write as the upgrade request, before the 101, is answered', async (s) => {
  const session = await createSession(s);
  const early = encodeFrame(OP.text, Buffer.from(JSON.stringify({ type: 'hello', id: 1, token: session.token })));
  const hs = await handshake(s, { early });
  assert.equal(hs.status, 101, `upgrade refused:\n${hs.head}`);
  const ws = new RawWs(hs.sock, hs.rest);
  const welcome = await ws.nextJson('welcome', { re: 1 });
  assert.equal(welcome.type, 'welcome');
  await ws.roundTrip(2);
});

// ---------------------------------------------------------------------------- 3. fragmentation

srv.test('fragmentation: a text frame with FIN=0 and continuation frames, some empty, is one message', async (s) => {
  const ws = await ready(s);
  // First, middle pieces with an empty continuation among them.
  const a = Buffer.from(leaveText(11));
  ws.send(OP.text, a.subarray(0, 5), { fin: false });
  ws.send(OP.cont, Buffer.alloc(0), { fin: false });
  ws.send(OP.cont, a.subarray(5, 12), { fin: false });
  ws.send(OP.cont, a.subarray(12), { fin: true });
  await ws.nextJson('left', { re: 11 });
  // The whole message in the first frame, then an empty final continuation.
  ws.send(OP.text, Buffer.from(leaveText(12)), { fin: false });
  ws.send(OP.cont, Buffer.alloc(0), { fin: true });
  await ws.nextJson('left', { re: 12 });
  // An empty first frame.
  ws.send(OP.text, Buffer.alloc(0), { fin: false });
  ws.send(OP.cont, Buffer.from(leaveText(13)), { fin: true });
  await ws.nextJson('left', { re: 13 });
  assert.equal(ws.messages.length, 0, `unexpected messages: ${ws.messages.map((m) => m.text).join(' | ')}`);
});

srv.test('fragmentation: a ping between two fragments gets its pong and the message still completes', async (s) => {
  const ws = await ready(s);
  const msg = Buffer.from(leaveText(21));
  const payload = Buffer.from('between the fragments');
  ws.send(OP.text, msg.subarray(0, 10), { fin: false });
  ws.send(OP.ping, payload);
  ws.send(OP.cont, msg.subarray(10), { fin: true });
  const pong = await ws.nextControl(OP.pong, 'a pong');
  assert.deepEqual(pong.payload, payload);
  await ws.nextJson('left', { re: 21 });
});

// ---------------------------------------------------------------------------- 4. UTF-8

srv.test('UTF-8: multi-byte characters split across fragments are accepted', async (s) => {
  const ws = await ready(s);
  // "é" is C3 A9; the emoji is F0 9F 98 80. Cut inside each of them.
  const msg = Buffer.from(leaveText(31, { note: 'caf\u00e9 \u{1F600} ok' }), 'utf8');
  const e = msg.indexOf(Buffer.from([0xc3, 0xa9]));
  const emoji = msg.indexOf(Buffer.from([0xf0, 0x9f, 0x98, 0x80]));
  assert.ok(e > 0 && emoji > e);
  ws.send(OP.text, msg.subarray(0, e + 1), { fin: false });
  ws.send(OP.cont, msg.subarray(e + 1, emoji + 1), { fin: false });
  ws.send(OP.cont, msg.subarray(emoji + 1, emoji + 3), { fin: false });
  ws.send(OP.cont, msg.subarray(emoji + 3), { fin: true });
  await ws.nextJson('left', { re: 31 });
  // The same characters whole, in one frame.
  ws.sendText(leaveText(32, { note: 'caf\u00e9 \u{1F600}' }));
  await ws.nextJson('left', { re: 32 });
});

const INVALID_UTF8 = [
  ['a lead byte followed by ASCII (C3 28)', [0xc3, 0x28]],
  ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['an overlong encoding of "/" (C0 AF)', [0xc0, 0xaf]],
  ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ['a lone continuation byte (80)', [0x80]],
  ['the byte FF', [0xff]],
];

srv.test('UTF-8: invalid UTF-8 in a text message gets close 1007', async (s) => {
  for (const [what, bytes] of INVALID_UTF8) {
    await expectFailure(s, [1007], what, (ws) => {
      ws.send(OP.text, Buffer.concat([Buffer.from('{"type":"leave","id":41,"x":"'), Buffer.from(bytes), Buffer.from('"}')]));
    });
  }
});

srv.test('UTF-8: a text message ending inside a multi-byte sequence gets close 1007', async (s) => {
  // In one frame.
  await expectFailure(s, [1007], 'truncated 4-byte sequence at the end of a frame', (ws) => {
    ws.send(OP.text, Buffer.concat([Buffer.from('{"type":"leave","id":42,"x":"a'), Buffer.from([0xf0, 0x9f, 0x98])]));
  });
  // At the end of a fragmented message: the sequence is cut by the final fragment.
  await expectFailure(s, [1007], 'truncated 2-byte sequence at the end of a fragmented message', (ws) => {
    ws.send(OP.text, Buffer.from('{"type":"leave","id":43,"x":"'), { fin: false });
    ws.send(OP.cont, Buffer.from([0x61, 0xc3]), { fin: true });
  });
});

srv.test('UTF-8: invalid UTF-8 in a fragment of a text message gets close 1007', async (s) => {
  await expectFailure(s, [1007], 'invalid bytes in the first fragment', (ws) => {
    ws.send(OP.text, Buffer.concat([Buffer.from('{"type":"leave","id":44,"x":"'), Buffer.from([0xc3, 0x28])]), { fin: false });
    ws.send(OP.cont, Buffer.from('"}'), { fin: true });
  });
});

// ---------------------------------------------------------------------------- 5. masking

srv.test('masking: an unmasked client frame gets close 1002', async (s) => {
  await expectFailure(s, [1002], 'unmasked text frame', (ws) => {
    ws.send(OP.text, Buffer.from(leaveText(51)), { mask: false });
  });
  await expectFailure(s, [1002], 'unmasked ping frame', (ws) => {
    ws.send(OP.ping, Buffer.from('x'), { mask: false });
  });
});

// ---------------------------------------------------------------------------- 6. reserved bits, opcodes

srv.test('reserved bits: a frame with RSV1, RSV2 or RSV3 set gets close 1002', async (s) => {
  for (const [name, rsv] of [['RSV1', 4], ['RSV2', 2], ['RSV3', 1]]) {
    await expectFailure(s, [1002], `text frame with ${name}`, (ws) => {
      ws.send(OP.text, Buffer.from(leaveText(61)), { rsv });
    });
  }
  await expectFailure(s, [1002], 'ping frame with RSV1', (ws) => {
    ws.send(OP.ping, Buffer.from('x'), { rsv: 4 });
  });
});

srv.test('opcodes: a frame with a reserved opcode (3, 7, 11, 15) gets close 1002', async (s) => {
  for (const opcode of [3, 7, 11, 15]) {
    await expectFailure(s, [1002], `opcode ${opcode}`, (ws) => {
      ws.send(opcode, Buffer.from(leaveText(62)));
    });
  }
});

// ---------------------------------------------------------------------------- 7. control frames

srv.test('control frames: a ping gets a pong with the same payload (empty, 1 byte, 125 bytes)', async (s) => {
  const ws = await ready(s);
  for (const payload of [Buffer.alloc(0), Buffer.from('p'), crypto.randomBytes(125)]) {
    ws.send(OP.ping, payload);
    const pong = await ws.nextControl(OP.pong, `a pong to a ${payload.length}-byte ping`);
    assert.equal(pong.fin, true);
    assert.deepEqual(pong.payload, payload);
  }
  await ws.roundTrip(71);
});

srv.test('control frames: a ping with a 126-byte payload gets close 1002', async (s) => {
  await expectFailure(s, [1002], '126-byte ping', (ws) => {
    ws.send(OP.ping, crypto.randomBytes(126));
  });
});

srv.test('control frames: a fragmented ping (FIN=0) gets close 1002', async (s) => {
  await expectFailure(s, [1002], 'ping with FIN=0', (ws) => {
    ws.send(OP.ping, Buffer.from('part'), { fin: false });
    ws.send(OP.cont, Buffer.from('rest'), { fin: true });
  });
});

srv.test('control frames: an unsolicited pong is ignored and the connection stays usable', async (s) => {
  const ws = await ready(s);
  ws.send(OP.pong, Buffer.from('nobody asked'));
  ws.send(OP.pong, Buffer.alloc(0));
  await ws.roundTrip(72);
  assert.equal(ws.controls.length, 0, `unexpected control frames: ${ws.controls.map(describeFrame).join(', ')}`);
  assert.equal(ws.ended, false);
});

// ---------------------------------------------------------------------------- 8. continuation errors

srv.test('fragmentation errors: a continuation frame with no message started gets close 1002', async (s) => {
  await expectFailure(s, [1002], 'continuation (FIN=1) after a complete message', (ws) => {
    ws.send(OP.cont, Buffer.from(leaveText(81)), { fin: true });
  });
  await expectFailure(s, [1002], 'continuation (FIN=0) after a complete message', (ws) => {
    ws.send(OP.cont, Buffer.from(leaveText(82)), { fin: false });
  });
});

srv.test('fragmentation errors: a new data frame while a fragmented message is in progress gets close 1002', async (s) => {
  await expectFailure(s, [1002], 'text frame inside a fragmented text message', (ws) => {
    ws.send(OP.text, Buffer.from('{"type":'), { fin: false });
    ws.send(OP.text, Buffer.from(leaveText(83)), { fin: true });
  });
  await expectFailure(s, [1002], 'binary frame inside a fragmented text message', (ws) => {
    ws.send(OP.text, Buffer.from('{"type":'), { fin: false });
    ws.send(OP.binary, Buffer.from('x'), { fin: true });
  });
});

// ---------------------------------------------------------------------------- 9. closing handshake

function closePayload(code, reason = Buffer.alloc(0)) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code, 0);
  return Buffer.concat([b, Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8')]);
}

srv.test('close handshake: close 1000 "bye" is answered with close 1000, then the server closes TCP', async (s) => {
  const ws = await ready(s);
  ws.send(OP.close, closePayload(1000, 'bye'));
  // RFC 6455, 7.1.1: once the handshake is done, the server closes the TCP connection first.
  await expectClose(ws, [1000], 'close 1000');
});

srv.test('close handshake: a close frame with an empty payload gets a close back', async (s, t) => {
  const ws = await ready(s);
  ws.send(OP.close, Buffer.alloc(0));
  const close = await ws.closeFrame(5000);
  t.diagnostic(`answer to an empty close: ${describeFrame(close.frame)}`);
  // RFC 6455, 5.5.1 and 7.4.1: the answer may be empty (no status) or carry 1000.
  assert.ok(close.length === 0 || close.code === 1000, `answer to an empty close: ${describeFrame(close.frame)}`);
  await ws.waitEnded(5000);
});

srv.test('close handshake: valid close codes (1001, 3000, 4999) are answered with a close, not 1002', async (s) => {
  for (const code of [1001, 3000, 4999]) {
    const ws = await ready(s);
    ws.send(OP.close, closePayload(code, 'done'));
    const close = await ws.closeFrame(5000);
    assert.ok(close.length !== 1, 'one-byte close payload');
    assert.notEqual(close.code, 1002, `close ${code} was treated as a protocol error`);
    assert.notEqual(close.code, 1007, `close ${code} was treated as invalid data`);
    await ws.waitEnded(5000);
  }
});

srv.test('close handshake: a close frame with a 1-byte payload gets close 1002', async (s) => {
  await expectFailure(s, [1002], '1-byte close payload', (ws) => {
    ws.send(OP.close, Buffer.from([0x03]));
  });
});

srv.test('close handshake: close codes that may not be sent (0, 999, 1005, 1006, 1015) get close 1002', async (s) => {
  // 0-999 are not used, 1005, 1006 and 1015 MUST NOT be set in a close frame (RFC 6455, 7.4).
  for (const code of [0, 999, 1005, 1006, 1015]) {
    await expectFailure(s, [1002], `close code ${code}`, (ws) => {
      ws.send(OP.close, closePayload(code));
    });
  }
});

srv.test('close handshake: close code 5000, outside every range the RFC defines, ends the connection', async (s, t) => {
  // RFC 6455, 7.4.2 defines codes up to 4999 only and no rule for a received code above it:
  // refusing it (1002) and echoing it back are both allowed. Either way a close frame comes
  // back and the connection ends.
  const ws = await ready(s);
  ws.send(OP.close, closePayload(5000));
  const close = await ws.closeFrame(5000);
  t.diagnostic(`answer to close 5000: ${describeFrame(close.frame)}`);
  assert.ok([1002, 5000, 1000].includes(close.code), `answer to close 5000: ${describeFrame(close.frame)}`);
  await ws.waitEnded(5000);
});

srv.test('close handshake: a close reason that is not valid UTF-8 gets close 1007 or 1002', async (s, t) => {
  // The reason MUST be UTF-8 (RFC 6455, 5.5.1); section 8.1 names 1007 for invalid UTF-8 in
  // text, and a malformed close frame is also a protocol error (1002): both are accepted.
  const a = await expectFailure(s, [1007, 1002], 'close reason C3 28', (ws) => {
    ws.send(OP.close, closePayload(1000, Buffer.from([0x62, 0xc3, 0x28])));
  });
  const b = await expectFailure(s, [1007, 1002], 'close reason with an encoded surrogate', (ws) => {
    ws.send(OP.close, closePayload(1000, Buffer.from([0xed, 0xa0, 0x80])));
  });
  t.diagnostic(`answers to invalid close reasons: ${a.code}, ${b.code}`);
});

// ---------------------------------------------------------------------------- 10. size limit

srv.test('size limit: a single frame one byte over the limit gets close 1009', async (s) => {
  await expectFailure(s, [1009], 'frame of limit + 1 bytes', (ws) => {
    ws.send(OP.text, Buffer.alloc(maxMessageBytes(ws) + 1, 'a'));
  });
});

srv.test('size limit: the header alone, declaring more than the limit, gets close 1009', async (s) => {
  // Only the header and a few payload bytes are sent: the declared length must be enough.
  await expectFailure(s, [1009], 'header declaring limit + 1 bytes (16-bit length)', (ws) => {
    ws.send(OP.text, Buffer.from('{"type":'), { declaredLength: maxMessageBytes(ws) + 1 });
  });
  await expectFailure(s, [1009], 'header declaring 1 TiB (64-bit length)', (ws) => {
    ws.send(OP.text, Buffer.from('{"type":'), { declaredLength: 2 ** 40 });
  });
});

srv.test('size limit: a fragmented message whose fragments add up to more than the limit gets close 1009', async (s) => {
  await expectFailure(s, [1009], 'fragments summing over the limit', (ws) => {
    const limit = maxMessageBytes(ws);
    const piece = Buffer.alloc(1024, 'f');
    // Every fragment is small; together they pass the limit, and the message never ends.
    const count = Math.floor(limit / piece.length) + 1;
    ws.send(OP.text, piece, { fin: false });
    for (let i = 1; i < count; i++) ws.send(OP.cont, piece, { fin: false });
  });
});

srv.test('size limit: a message of exactly the limit is accepted, in one frame or in fragments', async (s) => {
  const ws = await ready(s);
  const limit = maxMessageBytes(ws);
  ws.send(OP.text, paddedLeave(101, limit));
  await ws.nextJson('left', { re: 101 });
  sendFragmented(ws, split(paddedLeave(102, limit), 5));
  await ws.nextJson('left', { re: 102 });
  assert.equal(ws.controls.filter((f) => f.opcode === OP.close).length, 0, ws.history());
});

// ---------------------------------------------------------------------------- 11. binary

srv.test('binary message: answered with error bad_request and the connection stays open', async (s) => {
  // docs/protocol.md, section 2: binary frames are not part of the protocol, but they are
  // refused at the application level, not by closing the connection.
  const ws = await ready(s);
  ws.send(OP.binary, Buffer.from(leaveText(111)));
  const err = await ws.nextJson('error');
  assert.equal(err.code, 'bad_request', JSON.stringify(err));
  // A fragmented binary message is one message too.
  sendFragmented(ws, split(Buffer.from(leaveText(112)), 3), { opcode: OP.binary });
  assert.equal((await ws.nextJson('error')).code, 'bad_request');
  await ws.roundTrip(113);
  assert.equal(ws.messages.filter((m) => m.json?.type === 'left').length, 0, 'a binary leave was processed');
});

// ---------------------------------------------------------------------------- 12. TCP boundaries

srv.test('TCP boundaries: several frames in one write are all handled, in order', async (s) => {
  const ws = await ready(s);
  const ping = Buffer.from('in the batch');
  const frag = Buffer.from(leaveText(124));
  ws.write(Buffer.concat([
    encodeFrame(OP.text, Buffer.from(leaveText(121))),
    encodeFrame(OP.text, Buffer.from(leaveText(122))),
    encodeFrame(OP.ping, ping),
    encodeFrame(OP.text, Buffer.from(leaveText(123))),
    encodeFrame(OP.text, frag.subarray(0, 7), { fin: false }),
    encodeFrame(OP.cont, frag.subarray(7), { fin: true }),
  ]));
  const pong = await ws.nextControl(OP.pong, 'the pong of the batch');
  assert.deepEqual(pong.payload, ping);
  const replies = [];
  for (let i = 0; i < 4; i++) replies.push((await ws.nextJson('left')).re);
  assert.deepEqual(replies, [121, 122, 123, 124]);
});

srv.test('TCP boundaries: one frame written a byte at a time is handled', async (s) => {
  const ws = await ready(s);
  ws.sock.setNoDelay(true);
  const frame = encodeFrame(OP.text, Buffer.from(leaveText(125)));
  for (let i = 0; i < frame.length; i++) {
    ws.write(frame.subarray(i, i + 1));
    await sleep(2);
  }
  await ws.nextJson('left', { re: 125 });
  // A 16-bit length header and a ping, trickled the same way.
  const big = encodeFrame(OP.text, paddedLeave(126, 200));
  const ping = encodeFrame(OP.ping, Buffer.from('trickled'));
  for (let i = 0; i < big.length; i += 7) {
    ws.write(big.subarray(i, i + 7));
    await sleep(1);
  }
  for (let i = 0; i < ping.length; i++) {
    ws.write(ping.subarray(i, i + 1));
    await sleep(1);
  }
  await ws.nextJson('left', { re: 126 });
  assert.deepEqual((await ws.nextControl(OP.pong, 'a pong')).payload, Buffer.from('trickled'));
});

// ---------------------------------------------------------------------------- 13. after the close

srv.test('after the server closes, what the client keeps sending is discarded and the socket ends', async (s) => {
  const ws = await ready(s);
  ws.send(OP.text, Buffer.from(leaveText(131)), { mask: false });
  let id = 132;
  let writing = true;
  const writer = (async () => {
    // The client goes on sending valid messages, as a client that has not read the close yet.
    while (writing && !ws.closedAt && !ws.sock.destroyed) {
      ws.sendText(leaveText(id++));
      await sleep(20);
    }
  })();
  try {
    const close = await ws.closeFrame(5000);
    assert.equal(close.code, 1002, ws.history());
    await ws.waitEnded(5000);
    // Keep sending a little after the end, then look: nothing was answered.
    await sleep(200);
  } finally {
    writing = false;
    await writer;
  }
  const answered = ws.messages.filter((m) => m.json?.type === 'left');
  assert.deepEqual(answered.map((m) => m.text), [], 'messages sent after the failure were processed');
  const after = ws.log.slice(ws.log.findIndex((f) => f.opcode === OP.close) + 1);
  assert.deepEqual(after.map(describeFrame), [], 'frames after the close frame');
  assert.ok(id > 133, 'the client did not get to send anything after the invalid frame');
});
