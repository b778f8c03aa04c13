// Small shared helpers: raw HTTP requests, JWT forging, Prometheus parsing, timing.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';

// Every test server allows this Origin; clients send it unless told otherwise.
export const TEST_ORIGIN = 'https://serendip.test';
export const FOREIGN_ORIGIN = 'https://evil.test';
// Known signing key so that tests can forge tokens (expired, tampered, alg none...).
export const JWT_SECRET = 'integration-test-secret-4f9c1d7e2b8a6053';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function randomDeviceId() {
  return crypto.randomUUID();
}

// ISO 639-1 codes handed out one per test so that concurrent leftovers of one
// test can never be matched with the users of another test on the same server.
const LANGS = ('en de fr es it pt nl sv fi da no pl cs sk hu ro bg el tr ru uk ja ko zh ar he hi th vi id ' +
  'ms fa ur bn ta te mr gu kn ml pa sw am yo ig zu xh af sq hy az eu be bs ca hr et gl ka is ga lv lt mk mt ' +
  'mn ne sr sl tl cy').split(' ');
let langIndex = 0;
export function uniqueLang() {
  if (langIndex >= LANGS.length) throw new Error('uniqueLang: ran out of language codes');
  return LANGS[langIndex++];
}

let sourceIndex = 0;
// A loopback source address other than 127.0.0.1 (all of 127/8 answers on loopback),
// so that many simulated users do not all come from one IP.
export function nextSourceAddress() {
  const n = sourceIndex++ % 240;
  return `127.0.1.${10 + n}`;
}

// Plain HTTP request through node:http (no path normalization, raw bodies allowed).
export function request(server, method, path, { body, json, headers = {}, localAddress, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    let payload;
    const hdrs = { ...headers };
    if (json !== undefined) {
      payload = Buffer.from(JSON.stringify(json));
      hdrs['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      payload = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
      hdrs['content-type'] ??= 'application/json';
    }
    if (payload) hdrs['content-length'] = String(payload.length);
    const req = http.request(
      { host: server.host, port: server.port, method, path, headers: hdrs, localAddress, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(new Error(`HTTP ${method} ${path}: ${e.message}`)));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`HTTP ${method} ${path} timed out after ${timeoutMs} ms`)));
    if (payload) req.write(payload);
    req.end();
  });
}

export function describeResponse(res) {
  return `HTTP ${res.status} ${JSON.stringify(res.headers['content-type'] ?? '')} body=${res.text.slice(0, 300)}`;
}

// ---- JWT ----

export function b64url(objOrBuf) {
  const buf = Buffer.isBuffer(objOrBuf) ? objOrBuf : Buffer.from(JSON.stringify(objOrBuf));
  return buf.toString('base64url');
}

export function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT (${parts.length} parts): ${token.slice(0, 40)}...`);
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
    signature: parts[2],
  };
}

export function signJwt(payload, { secret = JWT_SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const sig = crypto.createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

export function nowS() {
  return Math.floor(Date.now() / 1000);
}

// ---- Prometheus text format ----

export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) {
      for (const lm of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    }
    samples.push({ name: m[1], labels, value: Number(m[3]), line });
  }
  return samples;
}

// The value of one sample of `server`'s /metrics (name, and labels it must carry), 0 when absent.
export async function metric(server, name, labels = {}) {
  const text = (await request(server, 'GET', '/metrics')).text;
  for (const s of parseMetrics(text)) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)) return s.value;
  }
  return 0;
}

export function sampleKey(s) {
  return `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

// Poll until fn() returns a truthy value (returned) or time runs out (returns the last value).
export async function waitFor(fn, { timeoutMs = 3000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() >= deadline) return last;
    await sleep(intervalMs);
  }
}

// waitFor that fails the test when fn() is still falsy after the time, saying `what`
// (a string, or a function called then, for state seen at the end): for a wait whose
// outcome is the check (a bare `await waitFor(...)` cannot fail).
export async function expectSoon(fn, what, opts = {}) {
  const got = await waitFor(fn, opts);
  if (!got) {
    const message = `${typeof what === 'function' ? what() : what}: not within ${opts.timeoutMs ?? 3000} ms`;
    throw new assert.AssertionError({ message, actual: got, expected: true, operator: '==' });
  }
  return got;
}

// True when the token's signature is HMAC-SHA256(secret, header.payload) over the token's own bytes.
export function verifyJwtSignature(token, secret = JWT_SECRET) {
  const [h, p, sig] = token.split('.');
  const expected = crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  return sig === expected;
}

// Resolves with the promise's value, or with 'timeout' after ms (the timer never holds the process).
export async function within(promise, ms) {
  let timer;
  const t = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, t]);
  } finally {
    clearTimeout(timer);
  }
}
