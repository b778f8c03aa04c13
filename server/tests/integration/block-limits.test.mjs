// Moderators' block limits (issue 14, item 8): a moderator blocks for at most
// 30 days (no ten-year "timed" block) and cannot lift an admin's permanent
// block; an admin can do both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, login, startModServer } from './moderation-tools.mjs';
import { annotate } from './server.mjs';
import { describeResponse } from './util.mjs';

const A = '/api/v1/admin';
const DAY = 86_400;

let server;
let admin;
let mod;
before(async () => {
  server = await startModServer(freshSqlite(), { label: 'block-limits' });
  admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.1' });
  expectStatus(
    await call(server, 'POST', `${A}/accounts`, {
      token: admin,
      json: { username: 'limits-mod', password: 'limits-mod-pass-1', role: 'moderator' },
    }),
    201,
    'create a moderator',
  );
  mod = await login(server, 'limits-mod', 'limits-mod-pass-1', { ip: '192.0.2.2' });
});
after(async () => {
  await server?.stop();
});

const block = (token, json) => call(server, 'POST', `${A}/blocks`, { token, json });

test('a moderator blocks for 30 days at most; an admin for longer', async () => {
  try {
    expectStatus(await block(mod, { ip: '198.51.100.1', durationS: 30 * DAY, reason: 'r' }), 201, '30 days');
    for (const durationS of [30 * DAY + 1, 3650 * DAY]) {
      const r = await block(mod, { ip: '198.51.100.2', durationS, reason: 'r' });
      assert.equal(r.status, 403, `${durationS} s: ${describeResponse(r)}`);
      assert.equal(r.json?.error?.code, 'forbidden');
    }
    const bulk = await call(server, 'POST', `${A}/blocks/bulk`, { token: mod, json: { ips: ['198.51.100.3'], durationS: 365 * DAY } });
    assert.equal(bulk.status, 403, describeResponse(bulk));
    expectStatus(await block(admin, { ip: '198.51.100.2', durationS: 3650 * DAY, reason: 'r' }), 201, 'admin, ten years');
  } catch (e) {
    throw annotate(e, server);
  }
});

test('a moderator cannot lift a permanent block; an admin can', async () => {
  try {
    const made = expectStatus(await block(admin, { ip: '198.51.100.9', permanent: true, reason: 'admin' }), 201, 'permanent');
    const refused = await call(server, 'DELETE', `${A}/blocks/${made.json.id}?reason=undo`, { token: mod });
    assert.equal(refused.status, 403, describeResponse(refused));
    const list = await call(server, 'GET', `${A}/blocks?ip=198.51.100.9`, { token: mod });
    assert.equal(list.json.items[0].active, true, 'still active');
    const timed = expectStatus(await block(mod, { ip: '198.51.100.10', durationS: 600, reason: 'r' }), 201, 'timed');
    expectStatus(await call(server, 'DELETE', `${A}/blocks/${timed.json.id}`, { token: mod }), 200, 'a moderator lifts a timed block');
    expectStatus(await call(server, 'DELETE', `${A}/blocks/${made.json.id}?reason=appeal`, { token: admin }), 200, 'admin lifts');
  } catch (e) {
    throw annotate(e, server);
  }
});
