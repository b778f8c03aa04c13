// Admin tokens (issue 14, item 4): a short JWT secret is refused at start-up;
// user and admin tokens are signed with different keys and audiences and
// never take each other's place; `nbf` and the configured lifetime are
// enforced; logout, a password change and disabling an account revoke the
// account's tokens at once.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  call,
  expectStatus,
  forgeAdminToken,
  freshSqlite,
  login,
  startModServer,
} from './moderation-tools.mjs';
import { SERVER_BIN, annotate, startServer } from './server.mjs';
import { JWT_SECRET, describeResponse, nowS, randomDeviceId, signJwt } from './util.mjs';

const A = '/api/v1/admin';

let server;
before(async () => {
  server = await startModServer(freshSqlite(), { label: 'admin-tokens' });
});
after(async () => {
  await server?.stop();
});

const me = (token) => call(server, 'GET', `${A}/me`, { token });

async function userToken() {
  const res = await call(server, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() }, ip: '192.0.2.200' });
  expectStatus(res, 200, 'POST /api/v1/session');
  return res.json.token;
}

function runServer(env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-jwt-'));
  try {
    const clean = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERENDIP_')) clean[k] = v;
    return spawnSync(SERVER_BIN, ['--listen=127.0.0.1:0'], {
      cwd: dir,
      env: { ...clean, SERENDIP_DATABASE_URL: `sqlite://${dir}/x.db`, SERENDIP_STATIC_DIR: dir, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a JWT secret under 32 bytes: exit 2 and one line saying so', () => {
  for (const secret of ['short', 'x'.repeat(31)]) {
    const r = runServer({ SERENDIP_JWT_SECRET: secret });
    const detail = `exit ${r.status}, signal ${r.signal}\n${r.stderr}`;
    assert.equal(r.signal, null, detail);
    assert.equal(r.status, 2, detail);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, 1, detail);
    assert.match(lines[0], /^serendip-server: SERENDIP_JWT_SECRET is \d+ bytes; it must be at least 32/, detail);
    assert.ok(!lines[0].includes(secret), 'the secret is never printed');
  }
});

test('no JWT secret at all (make run): the server starts with a random one', async () => {
  const s = await startServer({ label: 'no-jwt-secret', env: { SERENDIP_JWT_SECRET: '' } });
  try {
    const res = await call(s, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() } });
    assert.equal(res.status, 200, describeResponse(res));
  } finally {
    await s.stop();
  }
});

test('an admin token signed with the JWT secret itself (the old single key) is refused', async () => {
  try {
    const now = nowS();
    const forged = signJwt({ sub: BOOT_ADMIN, role: 'admin', jti: 'f1', gen: 0, iat: now, exp: now + 600 }, { secret: JWT_SECRET });
    assert.equal((await me(forged)).status, 401);
    const withAud = signJwt(
      { sub: BOOT_ADMIN, role: 'admin', aud: 'serendip-admin', jti: 'f2', gen: 0, iat: now, exp: now + 600 },
      { secret: JWT_SECRET },
    );
    assert.equal((await me(withAud)).status, 401);
    // The properly keyed one is accepted (so the refusals above are about the key).
    expectStatus(await me(forgeAdminToken()), 200, 'admin-keyed token');
  } catch (e) {
    throw annotate(e, server);
  }
});

test('a user token is no admin token, and an admin token is no user token', async () => {
  try {
    const user = await userToken();
    assert.equal((await me(user)).status, 401, 'user token on the admin API');
    // Even with admin claims, signed with the user key it stays a user token.
    const now = nowS();
    const dressedUp = signJwt({ sub: BOOT_ADMIN, role: 'admin', aud: 'serendip-admin', gen: 0, jti: 'u1', iat: now, exp: now + 300 });
    assert.equal((await me(dressedUp)).status, 401, 'admin claims under the user key');

    const admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.201' });
    expectStatus(await me(admin), 200, 'the admin token on the admin API');
    const refresh = await call(server, 'POST', '/api/v1/session/refresh', { token: admin, ip: '192.0.2.201' });
    assert.equal(refresh.status, 401, `admin token as a session token: ${describeResponse(refresh)}`);
    const turn = await call(server, 'GET', '/api/v1/turn-credentials', { token: admin, ip: '192.0.2.201' });
    assert.equal(turn.status, 401, `admin token for TURN credentials: ${describeResponse(turn)}`);
  } catch (e) {
    throw annotate(e, server);
  }
});

test('nbf in the future and a lifetime over the configured one are refused', async () => {
  try {
    const now = nowS();
    assert.equal((await me(forgeAdminToken({ claims: { nbf: now + 120 } }))).status, 401, 'nbf in 2 minutes');
    expectStatus(await me(forgeAdminToken({ claims: { nbf: now - 5 } })), 200, 'nbf passed');
    // The admin lifetime is 15 minutes: a token for 16 is not one the server made.
    assert.equal((await me(forgeAdminToken({ claims: { iat: now - 60, exp: now + 900 } }))).status, 401, '16 minutes');
    expectStatus(await me(forgeAdminToken({ claims: { iat: now - 60, exp: now + 840 } })), 200, '15 minutes');
    // User tokens: token-ttl-s is 300 by default.
    const claims = { sub: 'u_x', did: crypto.randomBytes(32).toString('hex'), jti: 'l1', iat: now - 10, exp: now + 600 };
    const long = await call(server, 'POST', '/api/v1/session/refresh', { token: signJwt(claims), ip: '192.0.2.202' });
    assert.equal(long.status, 401, `user token living 610 s: ${describeResponse(long)}`);
    const early = await call(server, 'POST', '/api/v1/session/refresh', {
      token: signJwt({ ...claims, exp: now + 200, nbf: now + 100 }),
      ip: '192.0.2.202',
    });
    assert.equal(early.status, 401, `user token before nbf: ${describeResponse(early)}`);
  } catch (e) {
    throw annotate(e, server);
  }
});

test('logout revokes the account\'s tokens; a new login works', async () => {
  try {
    const first = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.210' });
    const second = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.211' });
    expectStatus(await me(first), 200, 'before logout');
    const out = await call(server, 'POST', `${A}/logout`, { token: first, ip: '192.0.2.210' });
    assert.equal(out.status, 204, describeResponse(out));
    const after1 = await me(first);
    assert.equal(after1.status, 401, describeResponse(after1));
    assert.match(after1.json?.error?.message ?? '', /revoked/);
    assert.equal((await me(second)).status, 401, 'every sign-in of the account ends');
    assert.equal((await call(server, 'POST', `${A}/logout`, { token: first })).status, 401, 'logout twice');
    assert.equal((await call(server, 'POST', `${A}/logout`)).status, 401, 'logout without a token');
    const again = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.212' });
    expectStatus(await me(again), 200, 'after a new login');
    // The logout is in the audit log.
    const audit = await call(server, 'GET', `${A}/audit?action=admin.logout`, { token: again });
    expectStatus(audit, 200, 'audit');
    assert.equal(audit.json.items.length, 1);
    assert.equal(audit.json.items[0].actor, `admin:${BOOT_ADMIN}`);
  } catch (e) {
    throw annotate(e, server);
  }
});

test('a password change and a disable revoke the account\'s tokens (enabling does not bring them back)', async () => {
  try {
    const root = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.220' });
    for (const name of ['tok-mod1', 'tok-mod2']) {
      expectStatus(
        await call(server, 'POST', `${A}/accounts`, {
          token: root,
          json: { username: name, password: 'moderator-pass-1', role: 'moderator' },
        }),
        201,
        `create ${name}`,
      );
    }
    const mod1 = await login(server, 'tok-mod1', 'moderator-pass-1', { ip: '192.0.2.221' });
    expectStatus(await me(mod1), 200, 'mod1 before');
    expectStatus(
      await call(server, 'POST', `${A}/accounts/tok-mod1/password`, { token: root, json: { password: 'moderator-pass-2' } }),
      204,
      'password change',
    );
    assert.equal((await me(mod1)).status, 401, 'token from before the password change');
    expectStatus(await me(await login(server, 'tok-mod1', 'moderator-pass-2', { ip: '192.0.2.221' })), 200, 'new password');

    const mod2 = await login(server, 'tok-mod2', 'moderator-pass-1', { ip: '192.0.2.222' });
    expectStatus(await call(server, 'POST', `${A}/accounts/tok-mod2/disable`, { token: root }), 204, 'disable');
    assert.equal((await me(mod2)).status, 401, 'disabled');
    expectStatus(await call(server, 'POST', `${A}/accounts/tok-mod2/enable`, { token: root }), 204, 'enable');
    assert.equal((await me(mod2)).status, 401, 'the old token stays dead after enabling');
    expectStatus(await me(await login(server, 'tok-mod2', 'moderator-pass-1', { ip: '192.0.2.222' })), 200, 'fresh login');
  } catch (e) {
    throw annotate(e, server);
  }
});
