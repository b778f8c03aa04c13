// Issue 5, the whole moderation flow over the real server on SQLite, and the operator CLI.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';

import { describeResponse, uniqueLang } from './util.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  adminGet,
  auditEntries,
  call,
  cli,
  expectStatus,
  freshSqlite,
  login,
  pair,
  removeDir,
  sessionRequest,
  user,
  wholeFlow,
  withModServer,
} from './moderation-tools.mjs';

test('whole flow on SQLite: report, queue, IP+device block kicks at once, appeal, play again, audit trail, tampering caught', async () => {
  const db = freshSqlite();
  try {
    await wholeFlow(db);
  } finally {
    removeDir(db.dir);
  }
});

test('operator CLI: admin create|passwd|list|disable|enable take effect on a running server, audited as cli; audit verify', async () => {
  const db = freshSqlite();
  try {
    // No audit key yet (no server or admin command has run on this database): the
    // audit commands never invent one.
    let r = cli(db, ['audit', 'verify']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no audit key/);
    // The password from standard input when SERENDIP_ADMIN_PASSWORD is unset.
    r = cli(db, ['admin', 'create', 'ops1', 'admin'], { input: 'first-password-1\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /created admin 'ops1'/);
    // That made the key file beside the database, readable by its owner only.
    assert.equal(fs.statSync(`${db.file}.audit-key`).mode & 0o777, 0o600);
    r = cli(db, ['audit', 'verify']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /audit log OK: 1 entries/);
    r = cli(db, ['admin', 'create', 'ops1', 'moderator'], { env: { SERENDIP_ADMIN_PASSWORD: 'another-password-2' } });
    assert.equal(r.code, 1, `an existing username: ${r.stdout}${r.stderr}`);
    r = cli(db, ['admin', 'create', 'ops2', 'superuser'], { env: { SERENDIP_ADMIN_PASSWORD: 'another-password-2' } });
    assert.equal(r.code, 2, `a bad role: ${r.stdout}${r.stderr}`);
    r = cli(db, ['admin', 'create', 'ops3', 'moderator'], { env: { SERENDIP_ADMIN_PASSWORD: 'short' } });
    assert.equal(r.code, 1, `a short password: ${r.stdout}${r.stderr}`);

    await withModServer(db, {}, async (server) => {
      const loginAs = (password) => call(server, 'POST', '/api/v1/admin/login', { json: { username: 'ops1', password } });
      const first = expectStatus(await loginAs('first-password-1'), 200, 'login with the CLI password');
      assert.equal(first.json.role, 'admin');

      r = cli(db, ['admin', 'passwd', 'ops1'], { env: { SERENDIP_ADMIN_PASSWORD: 'second-password-2' } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal((await loginAs('first-password-1')).status, 401, 'old password refused');
      expectStatus(await loginAs('second-password-2'), 200, 'new password');

      r = cli(db, ['admin', 'disable', 'ops1']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(cli(db, ['admin', 'list']).stdout, /^ops1\s+admin\s+disabled\b/m);
      assert.equal((await loginAs('second-password-2')).status, 401, 'a disabled account cannot log in');
      const me = await call(server, 'GET', '/api/v1/admin/me', { token: first.json.token });
      assert.equal(me.status, 401, `its token is refused at once: ${describeResponse(me)}`);

      r = cli(db, ['admin', 'enable', 'ops1']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // The password change and the disable revoked the old token; enabling does not revive it.
      assert.equal((await call(server, 'GET', '/api/v1/admin/me', { token: first.json.token })).status, 401);
      const again = expectStatus(await loginAs('second-password-2'), 200, 'enabled again, new login');

      const entries = await auditEntries(server, again.json.token);
      const byCli = entries.filter((e) => e.actor === 'cli' && e.target === 'account:ops1').map((e) => e.action);
      assert.deepEqual(byCli, ['account.create', 'account.password', 'account.disable', 'account.enable']);
      r = cli(db, ['audit', 'verify']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`audit log OK: ${entries.length} entries`));
    });
  } finally {
    removeDir(db.dir);
  }
});

test('bulk IP blocks kick every online user from those IPs at once; an appeal by session token; DELETE lifts a block', async () => {
  const db = freshSqlite();
  try {
    await withModServer(db, {}, async (server) => {
      const admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
      const lang = uniqueLang();
      const users = [];
      for (const label of ['A', 'B', 'C', 'D']) users.push(await user(server, { label }));
      const [a, b, c, d] = users;
      await pair(a, b, lang);
      await pair(c, d, lang);
      const res = expectStatus(
        await call(server, 'POST', '/api/v1/admin/blocks/bulk', {
          token: admin,
          json: { ips: [a.ip, c.ip], durationS: 600, reason: 'botnet' },
        }),
        201,
        'bulk block',
      );
      assert.deepEqual(res.json.items.map((x) => x.ip).sort(), [a.ip, c.ip].sort());
      for (const [victim, peer] of [[a, b], [c, d]]) {
        const banned = await victim.next('banned', 2000);
        assert.equal(banned.reason, 'botnet');
        assert.equal((await victim.closed(2000)).code, 4003);
        assert.equal((await peer.next('peer_left', 2000)).reason, 'blocked');
      }
      assert.ok(b.isOpen && d.isOpen, 'the peers stay connected');
      // Token refresh is refused too.
      const refresh = await call(server, 'POST', '/api/v1/session/refresh', { token: a.token, ip: a.ip });
      assert.equal(refresh.status, 403, describeResponse(refresh));
      assert.equal(refresh.json?.error?.code, 'banned');

      // A appeals with its (still valid) session token instead of the device id.
      const appeal = await call(server, 'POST', '/api/v1/appeals', { token: a.token, ip: a.ip, json: { message: 'shared wifi' } });
      expectStatus(appeal, 201, 'appeal by token');
      const list = await adminGet(server, admin, '/api/v1/admin/appeals?status=open');
      const blockA = res.json.items.find((x) => x.ip === a.ip);
      assert.equal(list.items.find((x) => x.id === appeal.json.appealId)?.blockId, blockA.id);

      // C's block is lifted directly.
      const blockC = res.json.items.find((x) => x.ip === c.ip);
      const lifted = expectStatus(
        await call(server, 'DELETE', `/api/v1/admin/blocks/${blockC.id}?reason=mistake`, { token: admin }),
        200,
        'lift',
      ).json;
      assert.equal(lifted.active, false);
      expectStatus(await sessionRequest(server, { deviceId: c.deviceId, ip: c.ip }), 200, 'C admitted again');
      assert.equal((await sessionRequest(server, { deviceId: a.deviceId, ip: a.ip })).status, 403, 'A still blocked');
      const audit = await auditEntries(server, admin);
      assert.equal(audit.filter((e) => e.action === 'block.create' && e.reason === 'botnet').length, 2);
      const lift = audit.find((e) => e.action === 'block.lift' && e.target === `block:${lifted.id}`);
      assert.equal(lift?.reason, 'mistake');
    });
  } finally {
    removeDir(db.dir);
  }
});
