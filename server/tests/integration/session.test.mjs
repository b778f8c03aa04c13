// Contract section 1: POST /api/v1/session and /api/v1/session/refresh.
import assert from 'node:assert/strict';

import { createSession } from './client.mjs';
import { useServer } from './server.mjs';
import { JWT_SECRET, decodeJwt, describeResponse, nowS, randomDeviceId, request, signJwt, verifyJwtSignature } from './util.mjs';

const srv = useServer({ label: 'session' });

function assertBadRequest(res, what) {
  assert.equal(res.status, 400, `${what}: expected 400, got ${describeResponse(res)}`);
  assert.equal(res.json?.error?.code, 'bad_request', `${what}: expected {"error":{"code":"bad_request"}}, got ${describeResponse(res)}`);
}

function assertUnauthorized(res, what) {
  assert.equal(res.status, 401, `${what}: expected 401, got ${describeResponse(res)}`);
  assert.equal(res.json?.error?.code, 'unauthorized', `${what}: expected {"error":{"code":"unauthorized"}}, got ${describeResponse(res)}`);
}

srv.test('POST /api/v1/session returns an HS256 JWT with sub, did, jti and a 300 s lifetime', async (s) => {
  const deviceId = randomDeviceId();
  const res = await request(s, 'POST', '/api/v1/session', { json: { deviceId } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(typeof res.json.token, 'string');
  assert.equal(res.json.expiresIn, 300);
  const { header, payload } = decodeJwt(res.json.token);
  assert.equal(header.alg, 'HS256', `header ${JSON.stringify(header)}`);
  for (const claim of ['sub', 'did', 'jti']) {
    assert.equal(typeof payload[claim], 'string', `claim ${claim} in ${JSON.stringify(payload)}`);
    assert.ok(payload[claim].length > 0, `claim ${claim} empty`);
  }
  assert.ok(Number.isInteger(payload.iat) && Number.isInteger(payload.exp), `iat/exp integers: ${JSON.stringify(payload)}`);
  assert.equal(payload.exp - payload.iat, 300);
  assert.ok(Math.abs(payload.iat - nowS()) <= 5, `iat ${payload.iat} close to now ${nowS()}`);
  // did is a keyed hash of the device id, never the raw id.
  assert.notEqual(payload.did, deviceId);
  assert.ok(!payload.did.includes(deviceId), 'did contains the raw device id');
  assert.ok(!res.json.token.includes(deviceId), 'token contains the raw device id');
  assert.ok(!JSON.stringify(payload).includes(deviceId), `claims contain the raw device id: ${JSON.stringify(payload)}`);
  // The signature verifies with the configured secret (so the suite can forge tokens).
  assert.ok(verifyJwtSignature(res.json.token, JWT_SECRET), 'token signed with SERENDIP_JWT_SECRET (HMAC-SHA256)');
});

srv.test('the same device gets the same did and a different jti; another device a different did', async (s) => {
  const deviceId = randomDeviceId();
  const one = await createSession(s, { deviceId });
  const two = await createSession(s, { deviceId });
  const other = await createSession(s);
  assert.equal(one.claims.did, two.claims.did, 'did is a deterministic keyed hash of the device id');
  assert.notEqual(one.claims.jti, two.claims.jti, 'jti is unique per token');
  assert.notEqual(one.claims.did, other.claims.did);
  assert.notEqual(one.claims.sub, other.claims.sub);
});

srv.test('device ids of exactly 16 and 128 allowed characters are accepted', async (s) => {
  for (const deviceId of ['abcdefgh_-012345', 'A'.repeat(64) + 'z9_-'.repeat(16)]) {
    const res = await request(s, 'POST', '/api/v1/session', { json: { deviceId } });
    assert.equal(res.status, 200, `deviceId of length ${deviceId.length}: ${describeResponse(res)}`);
    assert.equal(typeof res.json.token, 'string');
  }
});

const badBodies = [
  ['too short (15 chars)', JSON.stringify({ deviceId: 'abcdefghijklmno' })],
  ['too long (129 chars)', JSON.stringify({ deviceId: 'a'.repeat(129) })],
  ['empty string', JSON.stringify({ deviceId: '' })],
  ['space inside', JSON.stringify({ deviceId: 'abcdefgh ijklmnopq' })],
  ['slash and dots', JSON.stringify({ deviceId: '../../etc/passwd0000' })],
  ['non-ASCII letters', JSON.stringify({ deviceId: 'ééééééééééééééééé' })],
  ['NUL character', JSON.stringify({ deviceId: 'abcdefghijklmnop\u0000q' })],
  ['missing deviceId', JSON.stringify({ device: 'abcdefghijklmnopqrstuvwxyz' })],
  ['number deviceId', JSON.stringify({ deviceId: 12345678901234567890 })],
  ['array deviceId', JSON.stringify({ deviceId: ['abcdefghijklmnopqrstuvwxyz'] })],
  ['null deviceId', JSON.stringify({ deviceId: null })],
  ['body is an array', JSON.stringify(['abcdefghijklmnopqrstuvwxyz'])],
  ['body is a string', JSON.stringify('abcdefghijklmnopqrstuvwxyz')],
  ['malformed JSON', '{"deviceId": "abcdefghijklmnopqrstuvwxyz"'],
  ['not JSON at all', 'deviceId=abcdefghijklmnopqrstuvwxyz'],
  ['empty body', ''],
];

for (const [what, body] of badBodies) {
  srv.test(`POST /api/v1/session rejects ${what} with 400 bad_request`, async (s) => {
    const res = await request(s, 'POST', '/api/v1/session', { body });
    assertBadRequest(res, what);
  });
}

srv.test('POST /api/v1/session with an oversized body (200 KB) is refused and the server stays healthy', async (s) => {
  const res = await request(s, 'POST', '/api/v1/session', { body: JSON.stringify({ deviceId: 'x'.repeat(200000) }) });
  assert.ok([400, 413].includes(res.status), describeResponse(res));
  assert.ok(['bad_request', 'too_large'].includes(res.json?.error?.code), describeResponse(res));
  assert.equal((await request(s, 'GET', '/healthz')).status, 200);
});

srv.test('POST /api/v1/session/refresh with a valid token returns a fresh token for the same user', async (s) => {
  const first = await createSession(s);
  await new Promise((r) => setTimeout(r, 1100)); // a later iat
  const res = await request(s, 'POST', '/api/v1/session/refresh', { headers: { authorization: `Bearer ${first.token}` } });
  assert.equal(res.status, 200, describeResponse(res));
  assert.equal(typeof res.json.token, 'string');
  assert.equal(res.json.expiresIn, 300);
  assert.notEqual(res.json.token, first.token);
  const { header, payload } = decodeJwt(res.json.token);
  assert.equal(header.alg, 'HS256');
  assert.equal(payload.sub, first.claims.sub, 'refresh keeps the anonymous user id');
  assert.equal(payload.did, first.claims.did, 'refresh keeps the device hash');
  assert.notEqual(payload.jti, first.claims.jti);
  assert.equal(payload.exp - payload.iat, 300);
  assert.ok(payload.exp > first.claims.exp, `new exp ${payload.exp} later than old ${first.claims.exp}`);
});

srv.test('POST /api/v1/session/refresh without a token is 401 unauthorized', async (s) => {
  assertUnauthorized(await request(s, 'POST', '/api/v1/session/refresh'), 'no Authorization header');
  assertUnauthorized(
    await request(s, 'POST', '/api/v1/session/refresh', { headers: { authorization: 'Bearer' } }),
    'empty Bearer',
  );
});

srv.test('POST /api/v1/session/refresh with a bad token is 401 unauthorized', async (s) => {
  const good = await createSession(s);
  const claims = good.claims;
  const t = nowS();
  const cases = [
    ['garbage', 'not-a-jwt'],
    ['three garbage parts', 'a.b.c'],
    ['wrong secret', signJwt(claims, { secret: 'some-other-secret-value-0123456789' })],
    ['expired', signJwt({ ...claims, iat: t - 4000, exp: t - 3700 })],
    ['alg none', `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`],
    ['tampered sub', (() => {
      const [h, , sig] = good.token.split('.');
      const p = Buffer.from(JSON.stringify({ ...claims, sub: `${claims.sub}x` })).toString('base64url');
      return `${h}.${p}.${sig}`;
    })()],
    ['Basic scheme', null],
  ];
  for (const [what, token] of cases) {
    const authorization = token === null ? `Basic ${Buffer.from('a:b').toString('base64')}` : `Bearer ${token}`;
    assertUnauthorized(await request(s, 'POST', '/api/v1/session/refresh', { headers: { authorization } }), what);
  }
  // Control: the same forging code with the right secret and a valid exp is accepted,
  // so the rejections above are about the defect each case carries.
  const forged = signJwt({ ...claims, jti: `${claims.jti}f`, iat: t, exp: t + 300 }, { secret: JWT_SECRET });
  const ok = await request(s, 'POST', '/api/v1/session/refresh', { headers: { authorization: `Bearer ${forged}` } });
  assert.equal(ok.status, 200, `control (correctly signed token) should refresh: ${describeResponse(ok)}`);
});
