// Contract section 3: the /ws upgrade (Origin allow-list), the hello deadline and hello itself.
import assert from 'node:assert/strict';

import { connect, createSession, helloed } from './client.mjs';
import { useServer, withServer } from './server.mjs';
import { FOREIGN_ORIGIN, JWT_SECRET, TEST_ORIGIN, nowS, signJwt, sleep } from './util.mjs';

// Default hello-timeout (5000 ms) on purpose: one test checks the real deadline.
const srv = useServer({ label: 'ws-auth' });

// A hello that the server must refuse: close 4001, possibly after an error message.
async function assertHelloRefused(s, token, what) {
  const c = await connect(s, { label: what });
  c.send({ type: 'hello', token, id: 1 });
  const info = await c.closed(3000);
  assert.equal(info.code, 4001, `${what}: expected close 4001, got ${info.code}\n  ${c.history()}`);
  const welcome = c.received.find((m) => m.type === 'welcome');
  assert.equal(welcome, undefined, `${what}: got a welcome before the close`);
  for (const m of c.received) assert.equal(m.type, 'error', `${what}: only an error may precede the close, got ${JSON.stringify(m)}`);
}

srv.test('upgrade from an Origin outside the allow-list is refused with HTTP 403', async (s) => {
  const err = await connect(s, { origin: FOREIGN_ORIGIN }).then(
    (c) => {
      c.terminate();
      return null;
    },
    (e) => e,
  );
  assert.ok(err, 'the upgrade from a foreign Origin succeeded');
  assert.equal(err.status, 403, `expected HTTP 403, got ${err.status ?? err.message}`);
});

srv.test('upgrade from a look-alike Origin (allowed origin as a prefix or with another port) is refused', async (s) => {
  for (const origin of [`${TEST_ORIGIN}.evil.test`, `${TEST_ORIGIN}:8443`, TEST_ORIGIN.replace('https:', 'http:')]) {
    const err = await connect(s, { origin }).then(
      (c) => {
        c.terminate();
        return null;
      },
      (e) => e,
    );
    assert.ok(err, `the upgrade from Origin ${origin} succeeded`);
    assert.equal(err.status, 403, `Origin ${origin}: expected HTTP 403, got ${err.status ?? err.message}`);
  }
});

srv.test('upgrade from the allowed Origin succeeds and hello gets welcome', async (s) => {
  const c = await helloed(s, { origin: TEST_ORIGIN });
  assert.equal(c.welcome.type, 'welcome');
});

srv.test('upgrade without an Origin header (non-browser client) is allowed', async (s) => {
  const session = await createSession(s);
  const c = await connect(s, { origin: null });
  c.send({ type: 'hello', token: session.token });
  const m = await c.next();
  assert.equal(m.type, 'welcome', JSON.stringify(m));
});

srv.test('welcome carries userId (== token sub), iceServers and limits, and echoes id as re', async (s) => {
  const session = await createSession(s);
  const c = await connect(s);
  c.send({ type: 'hello', token: session.token, id: 42 });
  const w = await c.next();
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  assert.equal(w.re, 42, `id echoed as re: ${JSON.stringify(w)}`);
  assert.equal(w.userId, session.claims.sub);
  assert.ok(Array.isArray(w.iceServers), `iceServers is an array: ${JSON.stringify(w.iceServers)}`);
  assert.ok(w.limits && typeof w.limits === 'object' && !Array.isArray(w.limits), `limits is an object: ${JSON.stringify(w.limits)}`);
  assert.ok(c.isOpen);
});

srv.test('hello without id gets a welcome without re', async (s) => {
  const c = await helloed(s);
  assert.ok(!('re' in c.welcome), JSON.stringify(c.welcome));
});

srv.test('no hello within the default 5 s deadline closes the socket with 4001', async (s) => {
  const c = await connect(s);
  const t0 = Date.now();
  const info = await c.closed(9000);
  const elapsed = Date.now() - t0;
  assert.equal(info.code, 4001, c.history());
  assert.ok(elapsed >= 4500, `closed after ${elapsed} ms, before the 5 s deadline`);
  assert.ok(elapsed <= 7000, `closed after ${elapsed} ms, long after the 5 s deadline`);
});

srv.test('a socket that sends hello in time is not closed at the deadline', async (s) => {
  const c = await connect(s);
  await sleep(1000);
  const session = await createSession(s);
  c.send({ type: 'hello', token: session.token });
  assert.equal((await c.next()).type, 'welcome');
  await sleep(4500); // past the 5 s hello deadline counted from the connect
  assert.ok(c.isOpen, c.history());
});

srv.test('no hello within a configured hello-timeout-ms closes with 4001', async () => {
  await withServer({ label: 'hello-timeout', flags: { 'hello-timeout-ms': 400 } }, async (s) => {
    const c = await connect(s);
    const t0 = Date.now();
    const info = await c.closed(3000);
    const elapsed = Date.now() - t0;
    assert.equal(info.code, 4001, c.history());
    assert.ok(elapsed >= 300 && elapsed <= 2000, `closed after ${elapsed} ms with hello-timeout-ms=400`);
  });
});

for (const [what, msg] of [
  ['join', { type: 'join', mode: 'video', languages: ['en'] }],
  ['leave', { type: 'leave' }],
  ['offer', { type: 'offer', sessionId: 'x', sdp: 'v=0' }],
  ['unknown type', { type: 'hi' }],
]) {
  srv.test(`a first message that is not hello (${what}) closes with 4001`, async (s) => {
    const c = await connect(s);
    c.send(msg);
    const info = await c.closed(3000);
    assert.equal(info.code, 4001, c.history());
    assert.equal(c.received.find((m) => m.type === 'welcome'), undefined);
  });
}

srv.test('a malformed first frame closes with 4001', async (s) => {
  const c = await connect(s);
  c.sendRaw('{"type":"hello","token":');
  const info = await c.closed(3000);
  assert.equal(info.code, 4001, c.history());
});

srv.test('hello with a token signed by another secret closes with 4001', async (s) => {
  const { claims } = await createSession(s);
  await assertHelloRefused(s, signJwt(claims, { secret: 'not-the-server-secret-0123456789abcdef' }), 'forged');
});

srv.test('hello with an expired token closes with 4001', async (s) => {
  const { claims } = await createSession(s);
  const t = nowS();
  await assertHelloRefused(s, signJwt({ ...claims, iat: t - 4000, exp: t - 3700 }), 'expired');
});

srv.test('hello with an alg none token closes with 4001', async (s) => {
  const { claims } = await createSession(s);
  const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  await assertHelloRefused(s, `${h}.${p}.`, 'alg none');
  // alg none but with the genuine signature appended
  const real = signJwt(claims);
  await assertHelloRefused(s, `${h}.${p}.${real.split('.')[2]}`, 'alg none with signature');
});

srv.test('hello with a tampered payload (signature of another payload) closes with 4001', async (s) => {
  const session = await createSession(s);
  const [h, , sig] = session.token.split('.');
  const p = Buffer.from(JSON.stringify({ ...session.claims, sub: 'someone-else' })).toString('base64url');
  await assertHelloRefused(s, `${h}.${p}.${sig}`, 'tampered');
});

for (const [what, token] of [
  ['garbage string', 'hello'],
  ['three garbage parts', 'a.b.c'],
  ['empty string', ''],
  ['non-string token', 12345],
  ['missing token', undefined],
]) {
  srv.test(`hello with a malformed token (${what}) closes with 4001`, async (s) => {
    await assertHelloRefused(s, token, what);
  });
}

srv.test('control: a token forged with the right secret and a valid exp is accepted', async (s) => {
  const { claims } = await createSession(s);
  const t = nowS();
  const token = signJwt({ ...claims, jti: `${claims.jti}-c`, iat: t, exp: t + 300 }, { secret: JWT_SECRET });
  const c = await helloed(s, { token });
  assert.equal(c.welcome.userId, claims.sub);
});
