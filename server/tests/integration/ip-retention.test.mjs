// Issue 14 item 7, privacy: no plain IP in the session counters, raw IPs in reports, appeals
// and ended blocks replaced by a keyed hash after ip-retention-days (the job runs at start,
// then hourly), and no raw IP in new audit entries. The database is SQLite, read behind
// the server's back with the sqlite3 CLI.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import { uniqueLang, sleep } from './util.mjs';
import {
  AUDIT_KEY,
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
  sql,
  user,
  withModServer,
} from './moderation-tools.mjs';

const DAY = 86_400_000;
// The key is given, so the test can compute the hashes the server must store:
// "iph:" + hex HMAC-SHA256(ip key, address), ip key = HMAC-SHA256(audit key, label).
const env = { SERENDIP_AUDIT_KEY: AUDIT_KEY };
const ipKey = crypto.createHmac('sha256', AUDIT_KEY).update('serendip ip hash key v1').digest();
const ipHash = (ip) => `iph:${crypto.createHmac('sha256', ipKey).update(ip).digest('hex')}`;

const rows = (db, q) =>
  sql(db, q)
    .split('\n')
    .filter((l) => l !== '');

async function until(what, fn, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('a finished session is counted under a keyed hash of each IP, never the address', async () => {
  const db = freshSqlite();
  await withModServer(db, { env, label: 'counters' }, async (server) => {
    const a = await user(server, { label: 'A' });
    const b = await user(server, { label: 'B' });
    await pair(a, b, uniqueLang());
    await sleep(30);
    a.send({ type: 'leave' });
    assert.equal((await b.next('peer_left')).reason, 'leave');

    // Counters are written about once a second.
    const ipRows = await until('the session counters', () => {
      const r = rows(db, "SELECT key || '|' || sessions FROM counters WHERE kind = 'ip' ORDER BY key");
      return r.length === 2 ? r : null;
    });
    const everything = sql(db, 'SELECT * FROM counters');
    for (const ip of [a.ip, b.ip]) {
      assert.ok(!everything.includes(ip), `plain ${ip} in counters:\n${everything}`);
      assert.ok(ipRows.includes(`${ipHash(ip)}|1`), `no hashed row for ${ip}: ${ipRows.join(', ')}`);
    }
    for (const r of ipRows) assert.match(r, /^iph:[0-9a-f]{64}\|1$/);

    // The reputation page still answers by address.
    const token = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    const rep = await adminGet(server, token, `/api/v1/admin/reputation?ip=${a.ip}`);
    assert.equal(rep.sessions, 1, JSON.stringify(rep));

    // A block by address: the block holds it while it acts, the audit log only its hash.
    const made = await call(server, 'POST', '/api/v1/admin/blocks', {
      token,
      json: { ip: b.ip, durationS: 600, reason: 'privacy test' },
    });
    expectStatus(made, 201, 'block');
    assert.equal(made.json.ip, b.ip);
    const entries = await auditEntries(server, token);
    const created = entries.find((e) => e.action === 'block.create' && e.target === `block:${made.json.id}`);
    assert.ok(created, 'block.create entry');
    assert.equal(created.details.ipHash, ipHash(b.ip), JSON.stringify(created.details));
    const log = sql(db, 'SELECT details, reason FROM audit_log');
    for (const ip of [a.ip, b.ip]) assert.ok(!log.includes(ip), `raw ${ip} in the audit log:\n${log}`);
  });
});

test('the retention job replaces raw IPs of rows past ip-retention-days by their hash and keeps live ones', async () => {
  const db = freshSqlite();
  // The schema, as an operator command makes it; then rows as an older server left them.
  const listed = cli(db, ['admin', 'list'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const now = Date.now();
  const ago = (days) => now - days * DAY;
  const report = (id, status, decidedAt, reporterIp, reportedIp) =>
    `INSERT INTO reports (id, created_at, session_id, reason, reporter_user_id, reporter_device_key, reporter_ip, ` +
    `reported_user_id, reported_device_key, reported_ip, session_started_at, session_length_ms, status, decided_by, ` +
    `decided_at) VALUES (${id}, ${ago(200)}, 's${id}', 'spam', 'u_r${id}', 'dev-r${id}', '${reporterIp}', ` +
    `'u_d${id}', 'dev-d${id}', '${reportedIp}', ${ago(200)}, 1000, '${status}', ` +
    `${decidedAt === null ? 'NULL, NULL' : `'admin:root', ${decidedAt}`});`;
  sql(
    db,
    [
      // Counters from before the hashing: moved to the hash at the first run.
      `INSERT INTO counters (kind, key, sessions, session_ms, last_seen) VALUES ('ip', '192.0.2.10', 3, 3000, ${ago(1)});`,
      report(1, 'rejected', ago(100), '192.0.2.11', '192.0.2.12'), // decided 100 days ago: erased
      report(2, 'accepted', ago(45), '192.0.2.13', '192.0.2.14'), // 45 days: erased with a 30-day setting
      report(3, 'rejected', ago(10), '192.0.2.15', '192.0.2.16'), // 10 days: kept
      report(4, 'pending', null, '192.0.2.17', '192.0.2.18'), // 200 days old but pending: kept
      // Blocks: expired 100 days ago (IP only), lifted 100 days ago, permanent (active, 200 days old).
      `INSERT INTO blocks (id, ip, reason, created_by, created_at, expires_at) VALUES (1, '192.0.2.20', 'spam', 'admin:root', ${ago(101)}, ${ago(100)});`,
      `INSERT INTO blocks (id, ip, device_key, reason, created_by, created_at, lifted_at, lifted_by) VALUES (2, '2001:db8:7:8::/64', 'dev-x', 'spam', 'admin:root', ${ago(150)}, ${ago(100)}, 'admin:root');`,
      `INSERT INTO blocks (id, ip, reason, created_by, created_at) VALUES (3, '192.0.2.22', 'spam', 'admin:root', ${ago(200)});`,
      // Appeals: decided 100 days ago, and open for 200 days.
      `INSERT INTO appeals (id, block_id, ip, message, status, created_at, decided_by, decided_at) VALUES (1, 1, '192.0.2.23', 'sorry', 'rejected', ${ago(101)}, 'admin:root', ${ago(100)});`,
      `INSERT INTO appeals (id, block_id, ip, message, created_at) VALUES (2, 3, '192.0.2.24', 'please', ${ago(200)});`,
    ].join('\n'),
  );

  await withModServer(db, { env, label: 'retention', flags: { 'ip-retention-days': 30 } }, async (server) => {
    // The first run is due at start.
    await until('the retention run', () => sql(db, 'SELECT reported_ip FROM reports WHERE id = 2').trim().startsWith('iph:'));
    const col = (q) => sql(db, q).trim();
    assert.equal(col('SELECT reporter_ip FROM reports WHERE id = 1'), ipHash('192.0.2.11'));
    assert.equal(col('SELECT reported_ip FROM reports WHERE id = 1'), ipHash('192.0.2.12'));
    assert.equal(col('SELECT reporter_ip FROM reports WHERE id = 2'), ipHash('192.0.2.13'));
    assert.equal(col('SELECT reporter_ip || reported_ip FROM reports WHERE id = 3'), '192.0.2.15192.0.2.16');
    assert.equal(col('SELECT reporter_ip || reported_ip FROM reports WHERE id = 4'), '192.0.2.17192.0.2.18');
    assert.equal(col('SELECT ip FROM blocks WHERE id = 1'), ipHash('192.0.2.20'));
    assert.equal(col('SELECT ip FROM blocks WHERE id = 2'), ipHash('2001:db8:7:8::/64'));
    assert.equal(col('SELECT ip FROM blocks WHERE id = 3'), '192.0.2.22');
    assert.equal(col('SELECT ip FROM appeals WHERE id = 1'), ipHash('192.0.2.23'));
    assert.equal(col('SELECT ip FROM appeals WHERE id = 2'), '192.0.2.24');
    assert.equal(col("SELECT key || '|' || sessions FROM counters WHERE kind = 'ip'"), `${ipHash('192.0.2.10')}|3`);

    // Moderators see erased addresses as unknown, and history by address still adds up.
    const token = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    const erased = await adminGet(server, token, '/api/v1/admin/reports/1');
    assert.equal(erased.reporter.ip, null);
    assert.equal(erased.reported.ip, null);
    const kept = await adminGet(server, token, '/api/v1/admin/reports/4');
    assert.equal(kept.reported.ip, '192.0.2.18');
    const rep = await adminGet(server, token, '/api/v1/admin/reputation?ip=192.0.2.12');
    assert.equal(rep.reportsReceived, 1, JSON.stringify(rep));
    const old = await adminGet(server, token, '/api/v1/admin/reputation?ip=192.0.2.10');
    assert.equal(old.sessions, 3, JSON.stringify(old));
    const blocked = await adminGet(server, token, '/api/v1/admin/reputation?ip=192.0.2.22');
    assert.equal(blocked.activeBlock?.id, 3, 'the active block still acts');
  });
  // The audit chain was never touched.
  const verified = cli(db, ['audit', 'verify'], { env });
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
});
