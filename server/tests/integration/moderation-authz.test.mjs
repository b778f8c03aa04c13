// Issue 5, authorization over the real server: every admin endpoint refuses no token, an
// anonymous user's token, an expired admin token, and a moderator where admin is needed;
// SQL injection in every filter parameter changes nothing.
import assert from 'node:assert/strict';

import { closeAllClients } from './client.mjs';
import { useServer } from './server.mjs';
import { describeResponse, randomDeviceId, uniqueLang } from './util.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  PROXY_CIDR,
  adminGet,
  auditEntries,
  call,
  expectStatus,
  forgeAdminToken,
  login,
  nextIp,
  pair,
  report,
  user,
} from './moderation-tools.mjs';

const srv = useServer({
  label: 'authz',
  flags: { 'trusted-proxies': PROXY_CIDR },
  env: { SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` },
});

const MOD = 'mod2';
const MOD_PASSWORD = 'mod2-password-9876';
const A = '/api/v1/admin';

// Every admin route (server/src/http/admin_api.cpp), with a body that would change
// something if it were let through. adminOnly: accounts routes.
function endpoints(ids) {
  const dev = 'Zm9yZ2VkLWRldmljZS1rZXktMDAwMDAwMDAwMDAw';
  return [
    { method: 'GET', path: `${A}/me` },
    { method: 'GET', path: `${A}/reports` },
    { method: 'GET', path: `${A}/reports/${ids.report}` },
    { method: 'POST', path: `${A}/reports/${ids.report}/decision`, json: { action: 'accept', blockDevice: true, durationS: 60 } },
    { method: 'GET', path: `${A}/blocks` },
    { method: 'POST', path: `${A}/blocks`, json: { device: dev, durationS: 60, reason: 'x' } },
    { method: 'POST', path: `${A}/blocks/bulk`, json: { ips: ['192.0.2.77'], durationS: 60 } },
    { method: 'DELETE', path: `${A}/blocks/${ids.block}` },
    { method: 'GET', path: `${A}/appeals` },
    { method: 'POST', path: `${A}/appeals/${ids.appeal}/decision`, json: { action: 'accept' } },
    { method: 'GET', path: `${A}/reputation?ip=192.0.2.1` },
    { method: 'GET', path: `${A}/stats` },
    { method: 'GET', path: `${A}/analytics/match-wait` },
    { method: 'GET', path: `${A}/audit` },
    { method: 'GET', path: `${A}/audit/verify` },
    { method: 'GET', path: `${A}/accounts`, adminOnly: true },
    { method: 'POST', path: `${A}/accounts`, json: { username: 'intruder', password: 'intruder-pass-1', role: 'admin' }, adminOnly: true },
    { method: 'POST', path: `${A}/accounts/${MOD}/password`, json: { password: 'changed-pass-123' }, adminOnly: true },
    { method: 'POST', path: `${A}/accounts/${MOD}/disable`, adminOnly: true },
    { method: 'POST', path: `${A}/accounts/${BOOT_ADMIN}/enable`, adminOnly: true },
  ];
}

// Everything an attacker could have changed.
async function snapshot(server, token) {
  const get = (p) => adminGet(server, token, p);
  return {
    reports: (await get(`${A}/reports?limit=200`)).items,
    blocks: (await get(`${A}/blocks?limit=200`)).items.map(({ active, ...b }) => b),
    appeals: (await get(`${A}/appeals?limit=200`)).items,
    accounts: (await get(`${A}/accounts`)).items,
    audit: await auditEntries(server, token),
    verify: await get(`${A}/audit/verify`),
  };
}

let adminToken;
let modToken;
let userToken;
let ids;

// Seeded once, by the first test that runs (the server exists only inside tests).
let seeded;
function seed(server) {
  seeded ??= doSeed(server);
  return seeded;
}

async function doSeed(server) {
  adminToken = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
  expectStatus(
    await call(server, 'POST', `${A}/accounts`, { token: adminToken, json: { username: MOD, password: MOD_PASSWORD, role: 'moderator' } }),
    201,
    'admin creates a moderator',
  );
  modToken = await login(server, MOD, MOD_PASSWORD);

  // Seed: a pending report, a block with an open appeal, an audit trail.
  const a = await user(server, { label: 'seed-A' });
  const b = await user(server, { label: 'seed-B' });
  const sid = await pair(a, b, uniqueLang());
  const ack = await report(a, sid, 'spam', { comment: "it's a '; DROP TABLE reports; -- comment" });
  assert.equal(ack.type, 'report_ack');
  userToken = a.token;
  const blocked = { deviceId: randomDeviceId(), ip: nextIp() };
  const bs = expectStatus(
    await call(server, 'POST', '/api/v1/session', { ip: blocked.ip, json: { deviceId: blocked.deviceId } }),
    200,
    'seed session',
  );
  const did = JSON.parse(Buffer.from(bs.json.token.split('.')[1], 'base64url')).did;
  const block = expectStatus(
    await call(server, 'POST', `${A}/blocks`, {
      token: modToken,
      json: { device: did, ip: blocked.ip, durationS: 600, reason: "x'); DELETE FROM blocks; --" },
    }),
    201,
    'seed block',
  ).json;
  assert.equal(block.reason, "x'); DELETE FROM blocks; --", 'text is stored verbatim');
  const appeal = expectStatus(
    await call(server, 'POST', '/api/v1/appeals', { ip: blocked.ip, json: { deviceId: blocked.deviceId, message: "1' OR '1'='1" } }),
    201,
    'seed appeal',
  ).json;
  ids = { report: Number(ack.reportId), block: block.id, appeal: appeal.appealId };
  await closeAllClients();
}

srv.test('every admin endpoint refuses a request without a token (401)', async (server) => {
  await seed(server);
  const before = await snapshot(server, adminToken);
  for (const e of endpoints(ids)) {
    const res = await call(server, e.method, e.path, { json: e.json });
    assert.equal(res.status, 401, `${e.method} ${e.path}: ${describeResponse(res)}`);
    assert.equal(res.json?.error?.code, 'unauthorized', `${e.method} ${e.path}`);
  }
  assert.deepEqual(await snapshot(server, adminToken), before, 'nothing changed');
});

srv.test('every admin endpoint refuses an anonymous user\'s session token (401)', async (server) => {
  await seed(server);
  const before = await snapshot(server, adminToken);
  for (const e of endpoints(ids)) {
    const res = await call(server, e.method, e.path, { token: userToken, json: e.json });
    assert.equal(res.status, 401, `${e.method} ${e.path}: ${describeResponse(res)}`);
  }
  assert.deepEqual(await snapshot(server, adminToken), before, 'nothing changed');
});

srv.test('every admin endpoint refuses an expired admin token (401); the same token unexpired is accepted', async (server) => {
  await seed(server);
  const valid = forgeAdminToken({ sub: BOOT_ADMIN, role: 'admin', expOffsetS: 600 });
  expectStatus(await call(server, 'GET', `${A}/me`, { token: valid }), 200, 'the forged token, unexpired');
  const expired = forgeAdminToken({ sub: BOOT_ADMIN, role: 'admin', expOffsetS: -60 });
  const tampered = `${valid.slice(0, -4)}AAAA`;
  const before = await snapshot(server, adminToken);
  for (const e of endpoints(ids)) {
    for (const [what, token] of [['expired', expired], ['bad signature', tampered]]) {
      const res = await call(server, e.method, e.path, { token, json: e.json });
      assert.equal(res.status, 401, `${what}: ${e.method} ${e.path}: ${describeResponse(res)}`);
    }
  }
  assert.deepEqual(await snapshot(server, adminToken), before, 'nothing changed');
});

srv.test('a moderator gets 403 on accounts routes and permanent blocks, and is let through elsewhere', async (server) => {
  await seed(server);
  const before = await snapshot(server, adminToken);
  for (const e of endpoints(ids).filter((x) => x.adminOnly)) {
    const res = await call(server, e.method, e.path, { token: modToken, json: e.json });
    assert.equal(res.status, 403, `${e.method} ${e.path}: ${describeResponse(res)}`);
    assert.equal(res.json?.error?.code, 'forbidden');
  }
  const dev = 'cGVybWFuZW50LWJsb2NrLWRldmljZS0wMDAwMDAw';
  const permanent = [
    { path: `${A}/blocks`, json: { device: dev, permanent: true, reason: 'forever' } },
    { path: `${A}/blocks/bulk`, json: { ips: ['192.0.2.88', '192.0.2.89'], permanent: true } },
    { path: `${A}/blocks/bulk`, json: { devices: [dev], permanent: true } },
    { path: `${A}/reports/${ids.report}/decision`, json: { action: 'accept', blockIp: true, blockDevice: true, permanent: true } },
  ];
  for (const p of permanent) {
    const res = await call(server, 'POST', p.path, { token: modToken, json: p.json });
    assert.equal(res.status, 403, `permanent via ${p.path}: ${describeResponse(res)}`);
    assert.equal(res.json?.error?.code, 'forbidden');
  }
  assert.deepEqual(await snapshot(server, adminToken), before, 'nothing changed');
  // Reads a moderator needs are open to it.
  for (const e of endpoints(ids).filter((x) => x.method === 'GET' && !x.adminOnly)) {
    expectStatus(await call(server, 'GET', e.path, { token: modToken }), 200, `moderator ${e.path}`);
  }
  // An admin may block permanently (then lifts it again).
  const made = expectStatus(
    await call(server, 'POST', `${A}/blocks`, { token: adminToken, json: { device: dev, permanent: true, reason: 'forever' } }),
    201,
    'admin permanent block',
  ).json;
  assert.equal(made.expiresAt, null);
  assert.equal(made.until, null);
  expectStatus(await call(server, 'DELETE', `${A}/blocks/${made.id}`, { token: adminToken }), 200, 'admin lifts it');
});

srv.test('a disabled account\'s token is refused at once (401), and stays revoked once enabled (a new login works)', async (server) => {
  await seed(server);
  const name = 'mod3';
  expectStatus(
    await call(server, 'POST', `${A}/accounts`, {
      token: adminToken,
      json: { username: name, password: 'mod3-password-111', role: 'moderator' },
    }),
    201,
    'create mod3',
  );
  const token = await login(server, name, 'mod3-password-111');
  expectStatus(await call(server, 'GET', `${A}/me`, { token }), 200, 'mod3 me');
  expectStatus(await call(server, 'POST', `${A}/accounts/${name}/disable`, { token: adminToken }), 204, 'disable');
  const refused = await call(server, 'GET', `${A}/reports`, { token });
  assert.equal(refused.status, 401, describeResponse(refused));
  const relog = await call(server, 'POST', `${A}/login`, { json: { username: name, password: 'mod3-password-111' } });
  assert.equal(relog.status, 401, `login of a disabled account: ${describeResponse(relog)}`);
  expectStatus(await call(server, 'POST', `${A}/accounts/${name}/enable`, { token: adminToken }), 204, 'enable');
  const stale = await call(server, 'GET', `${A}/reports`, { token });
  assert.equal(stale.status, 401, `the token from before the disable: ${describeResponse(stale)}`);
  const fresh = await login(server, name, 'mod3-password-111');
  expectStatus(await call(server, 'GET', `${A}/reports`, { token: fresh }), 200, 'enabled again, new login');
});

const PAYLOADS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  '1 OR 1=1',
  "x'; DROP TABLE reports; --",
  "1); DELETE FROM audit_log; --",
  "' UNION SELECT username, password_hash, role, created_at, disabled FROM admins --",
  '" OR ""="',
  "%' OR '%'='",
  "\\'; UPDATE blocks SET lifted_at = 1; --",
];

const FILTERS = {
  reports: ['status', 'reason', 'device', 'ip', 'since', 'until', 'limit', 'cursor'],
  blocks: ['active', 'ip', 'device', 'reportId', 'limit', 'cursor'],
  appeals: ['status', 'blockId', 'limit', 'cursor'],
  audit: ['actor', 'action', 'target', 'since', 'until', 'limit', 'cursor'],
};

srv.test('SQL injection in every filter parameter changes nothing: 400 or the unfiltered/empty result, data intact', async (server) => {
  await seed(server);
  const before = await snapshot(server, adminToken);
  assert.ok(before.reports.length > 0 && before.blocks.length > 0 && before.appeals.length > 0, 'seeded');
  const unfiltered = {};
  for (const list of Object.keys(FILTERS)) unfiltered[list] = (await adminGet(server, adminToken, `${A}/${list}`)).items;
  const problems = [];
  for (const [list, params] of Object.entries(FILTERS)) {
    for (const param of params) {
      for (const p of PAYLOADS) {
        const path = `${A}/${list}?${param}=${encodeURIComponent(p)}`;
        const res = await call(server, 'GET', path, { token: adminToken });
        if (res.status === 400 && res.json?.error?.code === 'bad_request') continue;
        if (res.status === 200 && Array.isArray(res.json?.items)) {
          const same = JSON.stringify(res.json.items) === JSON.stringify(unfiltered[list]);
          if (res.json.items.length === 0 || same) continue;
        }
        problems.push(`${path} -> ${describeResponse(res)}`);
      }
    }
  }
  for (const param of ['ip', 'device']) {
    for (const p of PAYLOADS) {
      const path = `${A}/reputation?${param}=${encodeURIComponent(p)}`;
      const res = await call(server, 'GET', path, { token: adminToken });
      if (res.status === 400) continue;
      const j = res.json ?? {};
      const empty =
        res.status === 200 &&
        j.sessions === 0 &&
        j.reportsReceived === 0 &&
        j.reportsMade === 0 &&
        j.blocks === 0 &&
        j.activeBlock === null;
      if (!empty) problems.push(`${path} -> ${describeResponse(res)}`);
    }
  }
  // The free-text audit filters do filter: a real value matches, the same value with an injected tautology does not.
  for (const [param, value] of [['actor', `admin:${BOOT_ADMIN}`], ['action', 'admin.login'], ['target', `account:${MOD}`]]) {
    const real = await adminGet(server, adminToken, `${A}/audit?${param}=${encodeURIComponent(value)}`);
    assert.ok(real.items.length > 0 && real.items.every((e) => e[param] === value), `audit ${param}=${value}`);
    for (const tail of ["' OR '1'='1", "' --", "' OR 1=1 --"]) {
      const inj = await adminGet(server, adminToken, `${A}/audit?${param}=${encodeURIComponent(value + tail)}`);
      if (inj.items.length !== 0) problems.push(`audit ${param}=${value}${tail} -> ${inj.items.length} items`);
    }
  }
  // Path ids and login fields too.
  for (const p of PAYLOADS) {
    const res = await call(server, 'GET', `${A}/reports/${encodeURIComponent(`${ids.report} ${p}`)}`, { token: adminToken });
    if (res.status !== 404) problems.push(`reports/{id} ${p} -> ${describeResponse(res)}`);
  }
  for (const p of PAYLOADS.slice(0, 3)) {
    const res = await call(server, 'POST', `${A}/login`, { ip: nextIp(), json: { username: p, password: p } });
    if (res.status !== 401) problems.push(`login ${p} -> ${describeResponse(res)}`);
  }
  assert.deepEqual(problems, []);
  const after = await snapshot(server, adminToken);
  // Reads and failed logins append nothing to the audit log.
  assert.deepEqual(after, before, 'data intact');
  assert.equal(after.verify.ok, true);
});
