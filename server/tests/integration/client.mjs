// A WebSocket test client for the signaling protocol (contract section 3).
import crypto from 'node:crypto';

import WebSocket from 'ws';

import { TEST_ORIGIN, decodeJwt, randomDeviceId, request, nextSourceAddress, describeResponse } from './util.mjs';

const openClients = new Set();
let clientCounter = 0;

export async function closeAllClients() {
  const all = [...openClients];
  openClients.clear();
  for (const c of all) c.terminate();
  if (all.length) await new Promise((r) => setTimeout(r, 30));
}

function matcherFor(type) {
  if (type === undefined || type === null) return () => true;
  if (typeof type === 'function') return type;
  if (Array.isArray(type)) return (m) => type.includes(m.type);
  return (m) => m.type === type;
}

function fmt(m) {
  const s = JSON.stringify(m);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export class Client {
  constructor(ws, label) {
    this.ws = ws;
    this.label = label;
    this.queue = []; // received, not yet consumed by next()
    this.received = []; // everything received (for diagnostics)
    this.waiters = [];
    this.pings = 0;
    this.closeInfo = null;
    this.errors = [];
    this.closedPromise = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8'), at: Date.now() };
        openClients.delete(this);
        resolve(this.closeInfo);
        this._pump();
      });
    });
    ws.on('message', (data, isBinary) => {
      let msg;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
      try {
        msg = JSON.parse(text);
      } catch {
        msg = { type: '<unparseable>', raw: text.slice(0, 200), binary: isBinary };
      }
      if (msg === null || typeof msg !== 'object') msg = { type: '<non-object>', raw: text.slice(0, 200) };
      msg.__at = Date.now();
      Object.defineProperty(msg, '__at', { enumerable: false });
      this.queue.push(msg);
      this.received.push(msg);
      this._pump();
    });
    ws.on('ping', () => {
      this.pings++;
    });
    ws.on('error', (e) => this.errors.push(e));
    openClients.add(this);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(obj) {
    this.ws.send(JSON.stringify(obj));
  }

  sendRaw(data, options = {}) {
    this.ws.send(data, options);
  }

  history() {
    const last = this.received.slice(-12).map(fmt).join('\n    ');
    const closed = this.closeInfo ? `closed code=${this.closeInfo.code} reason=${JSON.stringify(this.closeInfo.reason)}` : 'open';
    return `[${this.label}] ${closed}; ${this.received.length} message(s) received, last:\n    ${last || '(none)'}`;
  }

  // Next message (of `type`: string, array of strings or predicate), removed from the queue.
  // Other messages stay queued. Rejects on timeout or when the socket closes first.
  next(type, timeoutMs = 3000) {
    const match = matcherFor(type);
    const idx = this.queue.findIndex(match);
    if (idx >= 0) return Promise.resolve(this.queue.splice(idx, 1)[0]);
    const what = type === undefined ? 'any message' : typeof type === 'function' ? 'a matching message' : JSON.stringify(type);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve, reject, what };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`[${this.label}] timed out after ${timeoutMs} ms waiting for ${what}\n  ${this.history()}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this._pump();
    });
  }

  _pump() {
    for (const w of [...this.waiters]) {
      const idx = this.queue.findIndex(w.match);
      if (idx >= 0) {
        const [m] = this.queue.splice(idx, 1);
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      } else if (this.closeInfo) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.reject(new Error(`[${this.label}] socket closed while waiting for ${w.what}\n  ${this.history()}`));
      }
    }
  }

  // Asserts that no message of `type` arrives within ms (messages of other types are left queued).
  async expectNone(type, ms) {
    const match = matcherFor(type);
    await new Promise((r) => setTimeout(r, ms));
    const found = this.queue.find(match);
    if (found) {
      throw new Error(`[${this.label}] expected no ${JSON.stringify(type)} within ${ms} ms, got ${fmt(found)}\n  ${this.history()}`);
    }
  }

  // Resolves {code, reason} when the server closes the socket; rejects after timeoutMs.
  closed(timeoutMs = 5000) {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`[${this.label}] not closed within ${timeoutMs} ms\n  ${this.history()}`)),
        timeoutMs,
      );
      this.closedPromise.then((info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }

  close(code = 1000) {
    this.ws.close(code);
    return this.closedPromise;
  }

  terminate() {
    openClients.delete(this);
    this.ws.terminate();
  }
}

// Opens a socket to /ws. origin: null sends no Origin header. Rejects with
// err.status set when the server answers the upgrade with an HTTP status.
export function connect(server, { origin = TEST_ORIGIN, headers = {}, autoPong = true, localAddress, label, path = '/ws' } = {}) {
  const name = label ?? `client${++clientCounter}`;
  return new Promise((resolve, reject) => {
    const opts = { headers, autoPong, perMessageDeflate: false, handshakeTimeout: 5000, localAddress };
    if (origin !== null) opts.origin = origin;
    const ws = new WebSocket(`ws://${server.host}:${server.port}${path}`, opts);
    let settled = false;
    ws.on('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        const err = new Error(`[${name}] upgrade refused: HTTP ${res.statusCode}`);
        err.status = res.statusCode;
        err.body = Buffer.concat(chunks).toString('utf8');
        req.destroy();
        reject(err);
      });
    });
    ws.on('error', (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    ws.on('open', () => {
      if (settled) return;
      settled = true;
      resolve(new Client(ws, name));
    });
  });
}

// POST /api/v1/session; returns {token, expiresIn, claims, header, deviceId}. On 429 it retries
// from another loopback source address (the suite simulates many users from one machine).
export async function createSession(server, { deviceId = randomDeviceId(), localAddress } = {}) {
  let addr = localAddress;
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await request(server, 'POST', '/api/v1/session', { json: { deviceId }, localAddress: addr });
    if (res.status === 429 && !localAddress) {
      addr = nextSourceAddress();
      continue;
    }
    if (res.status !== 200 || !res.json || typeof res.json.token !== 'string') {
      throw new Error(`POST /api/v1/session for ${deviceId}: expected 200 with a token, got ${describeResponse(res)}`);
    }
    const { header, payload } = decodeJwt(res.json.token);
    return { token: res.json.token, expiresIn: res.json.expiresIn, claims: payload, header, deviceId, body: res.json };
  }
  throw new Error('POST /api/v1/session: still rate limited after retries from other source addresses');
}

// Session + socket + hello -> welcome. Returns the client with .token, .claims, .deviceId, .welcome.
export async function helloed(server, { deviceId, token, origin, autoPong, localAddress, label, id } = {}) {
  let session;
  if (!token) session = await createSession(server, { deviceId, localAddress });
  const client = await connect(server, { origin, autoPong, localAddress, label });
  client.token = token ?? session.token;
  client.claims = decodeJwt(client.token).payload;
  client.deviceId = session?.deviceId ?? deviceId;
  const hello = { type: 'hello', token: client.token };
  if (id !== undefined) hello.id = id;
  client.send(hello);
  client.welcome = await client.next(['welcome', 'error'], 3000);
  if (client.welcome.type !== 'welcome') {
    throw new Error(`[${client.label}] hello answered with ${JSON.stringify(client.welcome)}\n  ${client.history()}`);
  }
  client.userId = client.welcome.userId;
  return client;
}

// What the ALTCHA widget does: count up from 0 until sha256(salt + n) matches;
// returns the payload a `captcha` message carries.
export function solveAltcha(challenge) {
  for (let n = 0; n <= challenge.maxnumber; n++) {
    const h = crypto.createHash('sha256').update(challenge.salt + n).digest('hex');
    if (h === challenge.challenge) {
      const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number: n,
        salt: challenge.salt, signature: challenge.signature, took: 1 };
      return Buffer.from(JSON.stringify(payload)).toString('base64');
    }
  }
  throw new Error('unsolvable challenge');
}

// Convenience: a join message.
export function joinMsg(lang, { mode = 'video', region, interests, id, languages } = {}) {
  const m = { type: 'join', mode, languages: languages ?? [lang] };
  if (region !== undefined) m.region = region;
  if (interests !== undefined) m.interests = interests;
  if (id !== undefined) m.id = id;
  return m;
}

// Two fresh users in `lang` who join and get matched. Returns {a, b, sessionId, ma, mb}.
export async function matchedPair(server, lang, { a, b, joinA = {}, joinB = {} } = {}) {
  a ??= await helloed(server, { label: 'A' });
  b ??= await helloed(server, { label: 'B' });
  a.send(joinMsg(lang, joinA));
  await a.next('queued');
  b.send(joinMsg(lang, joinB));
  const mb = await b.next('matched');
  const ma = await a.next('matched');
  if (ma.sessionId !== mb.sessionId) throw new Error(`matched with different sessionIds: ${ma.sessionId} vs ${mb.sessionId}`);
  return { a, b, sessionId: ma.sessionId, ma, mb };
}
