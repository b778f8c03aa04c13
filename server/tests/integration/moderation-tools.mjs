// Helpers for the moderation tests: servers on a database the test owns (so it can be
// restarted, killed, reopened and tampered with), simulated client IPs through a trusted
// proxy (X-Forwarded-For on HTTP requests and on the WebSocket upgrade), admin logins,
// the operator CLI, sqlite3/psql access and a throwaway PostgreSQL (scripts/pg.sh).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { closeAllClients, connect } from './client.mjs';
import { SERVER_BIN, annotate, startServer } from './server.mjs';
import {
  JWT_SECRET,
  decodeJwt,
  describeResponse,
  nowS,
  randomDeviceId,
  request,
  signJwt,
  uniqueLang,
} from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '../../..');
const PG_SCRIPT = path.join(REPO_ROOT, 'scripts/pg.sh');

export const BOOT_ADMIN = 'root';
export const BOOT_PASSWORD = 'root-password-1234';
// The proxy every test client goes through, so each one can claim its own IP.
export const PROXY_CIDR = '127.0.0.1/32';

// ---- files and databases

const ownedDirs = new Set();
process.on('exit', () => {
  for (const d of ownedDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'serendip-mod-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  ownedDirs.add(d);
  return d;
}

export function removeDir(d) {
  ownedDirs.delete(d);
  fs.rmSync(d, { recursive: true, force: true });
}

// A fresh SQLite database file (not created yet: the server makes it) and its URL.
export function freshSqlite() {
  const dir = tempDir();
  const file = path.join(dir, 'moderation.db');
  return { kind: 'sqlite', file, url: `sqlite://${file}`, dir };
}

// Runs SQL on a database (sqlite3 or psql CLI); returns stdout.
export function sql(db, statement) {
  if (db.kind === 'sqlite') {
    return execFileSync('sqlite3', ['-batch', db.file, statement], { encoding: 'utf8' });
  }
  return execFileSync(pgTool('psql'), [db.url, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', statement], {
    encoding: 'utf8',
  });
}

// ---- PostgreSQL

function pgBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (fs.existsSync(base)) {
    const versions = fs
      .readdirSync(base)
      .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'psql')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(base, versions[0], 'bin');
  }
  return '';
}

function pgTool(name) {
  const dir = pgBinDir();
  return dir ? path.join(dir, name) : name;
}

// A PostgreSQL server for this test file: the one `scripts/pg.sh run` handed over
// (SERENDIP_TEST_PG_URL), else one started with `scripts/pg.sh start`. Each call of
// freshDatabase() makes a new empty database on it. `own`: always a server of this
// file's own (one it may halt and resume: faults-postgres.test.mjs).
export async function startPostgres({ own = false } = {}) {
  let url = own ? undefined : process.env.SERENDIP_TEST_PG_URL;
  let dir = null;
  if (!url) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-pg-it-'));
    const r = spawnSync('bash', [PG_SCRIPT, 'start', dir], { encoding: 'utf8', timeout: 60000 });
    if (r.status !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`scripts/pg.sh start failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
    }
    url = r.stdout.trim().split('\n').pop();
  }
  // Should the test process end without after() (a crash), do not leave the server running.
  const stopOnExit = () => {
    if (dir) spawnSync('bash', [PG_SCRIPT, 'stop', dir], { timeout: 30000 });
  };
  process.on('exit', stopOnExit);
  let n = 0;
  return {
    url,
    freshDatabase() {
      const name = `serendip_it_${process.pid}_${Date.now().toString(36)}_${n++}`;
      execFileSync(pgTool('psql'), [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `CREATE DATABASE ${name}`], {
        encoding: 'utf8',
      });
      const u = new URL(url);
      u.pathname = `/${name}`;
      return { kind: 'postgres', url: u.toString(), name };
    },
    // Stops the server (fast shutdown: connections are cut) and starts it again on the
    // same data and port; only for a server started here.
    halt() {
      const r = spawnSync('bash', [PG_SCRIPT, 'halt', dir], { encoding: 'utf8', timeout: 30000 });
      if (r.status !== 0) throw new Error(`pg.sh halt: ${r.stderr}`);
    },
    resume() {
      const r = spawnSync('bash', [PG_SCRIPT, 'resume', dir], { encoding: 'utf8', timeout: 60000 });
      if (r.status !== 0) throw new Error(`pg.sh resume: ${r.stderr}`);
    },
    // PostgreSQL's shutdown checkpoint takes seconds: pg.sh stop (which also removes the
    // directory) finishes in the background while the test process exits.
    stop() {
      process.off('exit', stopOnExit);
      if (!dir) return;
      spawn('bash', [PG_SCRIPT, 'stop', dir], { detached: true, stdio: 'ignore' }).unref();
      dir = null;
    },
  };
}

// ---- servers

// The audit chain's HMAC key for PostgreSQL runs (SQLite runs use the key
// file the server makes beside the database, as `make run` does).
export const AUDIT_KEY = 'integration-audit-key-0b7e3c91d4a2f6580123';
const auditKeyEnv = (db) => (db.kind === 'postgres' ? { SERENDIP_AUDIT_KEY: AUDIT_KEY } : {});

// A server on `db` that believes X-Forwarded-For from 127.0.0.1, with a bootstrap admin.
export function startModServer(db, { flags = {}, env = {}, label = 'moderation', abuse, wrap } = {}) {
  return startServer({
    label,
    abuse,
    wrap,
    flags: { 'trusted-proxies': PROXY_CIDR, ...flags },
    env: {
      SERENDIP_DATABASE_URL: db.url,
      SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}`,
      ...auditKeyEnv(db),
      ...env,
    },
  });
}

// The operator CLI (`serendip-server admin ...`, `serendip-server audit verify`) on `db`.
export function cli(db, args, { env = {}, input } = {}) {
  const clean = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERENDIP_')) clean[k] = v;
  const r = spawnSync(SERVER_BIN, args, {
    env: { ...clean, SERENDIP_DATABASE_URL: db.url, ...auditKeyEnv(db), ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 30000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// ---- simulated client addresses (documentation ranges, one per simulated user)

let ipCounter = 0;
export function nextIp() {
  ipCounter++;
  return `198.51.${100 + Math.floor(ipCounter / 250)}.${1 + (ipCounter % 250)}`;
}

// HTTP through the "proxy": ip sets X-Forwarded-For, token the bearer.
export function call(server, method, p, { token, json, body, ip, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (ip) h['x-forwarded-for'] = ip;
  return request(server, method, p, { json, body, headers: h });
}

export function expectStatus(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${describeResponse(res)}`);
  return res;
}

// POST /api/v1/session from `ip`; returns the raw response.
export function sessionRequest(server, { deviceId, ip }) {
  return call(server, 'POST', '/api/v1/session', { json: { deviceId }, ip });
}

// A user with its own IP and device: session, socket (upgrade carries X-Forwarded-For), hello.
export async function user(server, { label, ip = nextIp(), deviceId = randomDeviceId() } = {}) {
  const res = await sessionRequest(server, { deviceId, ip });
  expectStatus(res, 200, `[${label}] POST /api/v1/session`);
  const c = await connect(server, { label, headers: { 'x-forwarded-for': ip } });
  c.ip = ip;
  c.deviceId = deviceId;
  c.token = res.json.token;
  c.claims = decodeJwt(c.token).payload;
  c.send({ type: 'hello', token: c.token });
  c.welcome = await c.next(['welcome', 'error', 'banned'], 3000);
  if (c.welcome.type !== 'welcome') throw new Error(`[${label}] hello answered with ${JSON.stringify(c.welcome)}`);
  c.userId = c.welcome.userId;
  return c;
}

export function join(c, lang, id) {
  const m = { type: 'join', mode: 'video', languages: [lang] };
  if (id !== undefined) m.id = id;
  c.send(m);
}

// a joins first (queued), then b: both matched, same session.
export async function pair(a, b, lang) {
  join(a, lang);
  await a.next('queued');
  join(b, lang);
  const mb = await b.next('matched');
  const ma = await a.next('matched');
  if (ma.sessionId !== mb.sessionId) throw new Error(`different sessionIds: ${ma.sessionId} vs ${mb.sessionId}`);
  return ma.sessionId;
}

let reportMsgId = 1000;
// Sends a report; resolves with the report_ack or error answering it (matched by `re`).
export async function report(c, sessionId, reason = 'harassment', extra = {}) {
  const id = ++reportMsgId;
  c.send({ type: 'report', sessionId, reason, id, ...extra });
  return c.next((m) => (m.type === 'report_ack' || m.type === 'error') && m.re === id, 5000);
}

// ---- admins

export async function login(server, username, password, { ip } = {}) {
  const res = await call(server, 'POST', '/api/v1/admin/login', { json: { username, password }, ip });
  expectStatus(res, 200, `login as ${username}`);
  return res.json.token;
}

// GET an admin endpoint expecting 200; returns the JSON.
export async function adminGet(server, token, p) {
  const res = await call(server, 'GET', p, { token });
  expectStatus(res, 200, `GET ${p}`);
  return res.json;
}

export async function auditEntries(server, token) {
  const out = [];
  let cursor = '';
  for (;;) {
    const page = await adminGet(server, token, `/api/v1/admin/audit?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out.sort((x, y) => x.seq - y.seq);
}

// The admin-token key the server derives from its JWT secret (auth/jwt.hpp):
// HMAC-SHA256(secret, "serendip admin token key v1").
export const ADMIN_JWT_KEY = crypto.createHmac('sha256', JWT_SECRET).update('serendip admin token key v1').digest();

// An admin token as the test servers sign them (admin key, audience, the
// account's token generation `gen`, 0 until a logout or password change).
export function forgeAdminToken({ sub = BOOT_ADMIN, role = 'admin', expOffsetS = 600, gen = 0, claims = {} } = {}) {
  const now = nowS();
  return signJwt(
    {
      sub,
      role,
      aud: 'serendip-admin',
      gen,
      jti: crypto.randomBytes(8).toString('hex'),
      iat: now + expOffsetS - 900,
      exp: now + expOffsetS,
      ...claims,
    },
    { secret: ADMIN_JWT_KEY },
  );
}

// ---- scenarios run against both backends (SQLite and PostgreSQL)

export const MOD_USER = 'mod1';
export const MOD_PASSWORD = 'moderator-pass-5678';

// Closes every client, stops the server; annotates a failure with its log.
export async function withModServer(db, options, fn) {
  const server = await startModServer(db, options);
  try {
    return await fn(server);
  } catch (e) {
    throw annotate(e, server);
  } finally {
    await closeAllClients();
    await server.stop();
  }
}

function byAction(entries, action, target) {
  const found = entries.filter((e) => e.action === action && (target === undefined || e.target === target));
  assert.ok(
    found.length > 0,
    `audit log has no ${action}${target ? ` on ${target}` : ''}; entries: ` +
      entries.map((e) => `${e.seq}:${e.action}:${e.target}`).join(', '),
  );
  return found[0];
}

// Issue 5 "whole flow": report -> queue -> moderator accepts with an IP+device block ->
// kicked at once and refused -> appeal -> accepted -> plays again; audit trail; tampering detected.
export async function wholeFlow(db) {
  // The operator CLI makes the moderator account on the fresh database.
  const made = cli(db, ['admin', 'create', MOD_USER, 'moderator'], { env: { SERENDIP_ADMIN_PASSWORD: MOD_PASSWORD } });
  assert.equal(made.code, 0, `admin create: ${made.stdout}${made.stderr}`);
  assert.match(made.stdout, /created moderator 'mod1'/);

  let audit;
  let acceptSeq;
  let appealSeq;
  let acceptReason;
  await withModServer(db, {}, async (server) => {
    const listed = cli(db, ['admin', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^mod1\s+moderator\s+active\b/m);
    assert.match(listed.stdout, new RegExp(`^${BOOT_ADMIN}\\s+admin\\s+active\\b`, 'm'));

    const lang = uniqueLang();
    const a = await user(server, { label: 'A' });
    const b = await user(server, { label: 'B' });
    const sid1 = await pair(a, b, lang);

    // A reports B: acknowledged with the stored report's id.
    const ack1 = await report(a, sid1, 'harassment', { comment: 'insults' });
    assert.equal(ack1.type, 'report_ack', JSON.stringify(ack1));
    assert.match(String(ack1.reportId), /^\d+$/);
    const r1 = Number(ack1.reportId);

    // B meets C, who reports B too: two distinct reporters.
    a.send({ type: 'leave' });
    assert.equal((await b.next('peer_left')).reason, 'leave');
    const c = await user(server, { label: 'C' });
    const sid2 = await pair(b, c, lang);
    const ack2 = await report(c, sid2, 'nudity');
    assert.equal(ack2.type, 'report_ack', JSON.stringify(ack2));
    const r2 = Number(ack2.reportId);

    const loginRes = expectStatus(
      await call(server, 'POST', '/api/v1/admin/login', { json: { username: MOD_USER, password: MOD_PASSWORD } }),
      200,
      'moderator login',
    );
    assert.equal(loginRes.json.role, 'moderator');
    const mod = loginRes.json.token;

    // The queue: pending, oldest first, both reports counted against B.
    const queue = await adminGet(server, mod, '/api/v1/admin/reports?status=pending');
    const q1 = queue.items.find((r) => r.id === r1);
    const q2 = queue.items.find((r) => r.id === r2);
    assert.ok(q1 && q2, `both reports in the pending queue: ${JSON.stringify(queue.items.map((r) => r.id))}`);
    assert.ok(queue.items.indexOf(q1) < queue.items.indexOf(q2), 'oldest first');
    assert.equal(q1.status, 'pending');
    assert.equal(q1.sessionId, sid1);
    assert.equal(q1.reason, 'harassment');
    assert.equal(q1.comment, 'insults');
    assert.equal(q1.reporter.userId, a.userId);
    assert.equal(q1.reported.userId, b.userId);
    assert.equal(q1.reported.ip, b.ip);
    assert.equal(q1.reported.device, b.claims.did);
    assert.notEqual(q1.reported.device, b.deviceId, 'the raw device id is never stored');
    assert.equal(q1.distinctReporters, 2);
    assert.equal(q2.reporter.userId, c.userId);
    const detail = await adminGet(server, mod, `/api/v1/admin/reports/${r1}`);
    assert.equal(detail.id, r1);
    assert.equal(detail.reported.ip, b.ip);

    // Accept with an IP + device block for one hour.
    const t0 = Date.now();
    const decided = expectStatus(
      await call(server, 'POST', `/api/v1/admin/reports/${r1}/decision`, {
        token: mod,
        json: { action: 'accept', blockIp: true, blockDevice: true, durationS: 3600, note: 'abusive language' },
      }),
      200,
      'accept report',
    ).json;
    assert.equal(decided.report.status, 'accepted');
    assert.match(String(decided.report.decidedBy), /mod1/);
    const block = decided.block;
    assert.equal(block.ip, b.ip);
    assert.equal(block.device, b.claims.did);
    assert.equal(block.reportId, r1);
    assert.equal(block.active, true);
    assert.ok(Math.abs(block.expiresAt - (t0 + 3600_000)) < 60_000, `expiresAt ${block.expiresAt}`);

    // B is kicked at once; its peer C is told why the session ended.
    const banned = await b.next('banned', 2000);
    assert.equal(banned.appealable, true);
    assert.equal(typeof banned.reason, 'string');
    assert.ok(Math.abs(Date.parse(banned.until) - block.expiresAt) < 2000, `until ${banned.until}`);
    assert.equal((await b.closed(2000)).code, 4003);
    const left = await c.next('peer_left', 2000);
    assert.equal(left.sessionId, sid2);
    assert.equal(left.reason, 'blocked');

    // Refused everywhere: the device from anywhere, anything from the IP.
    for (const [what, req] of [
      ['same device, same IP', { deviceId: b.deviceId, ip: b.ip }],
      ['same device, other IP', { deviceId: b.deviceId, ip: nextIp() }],
      ['other device, same IP', { deviceId: randomDeviceId(), ip: b.ip }],
    ]) {
      const res = await sessionRequest(server, req);
      assert.equal(res.status, 403, `${what}: ${describeResponse(res)}`);
      assert.equal(res.json?.error?.code, 'banned', what);
      assert.equal(res.json.error.appealable, true, what);
      assert.ok(Math.abs(Date.parse(res.json.error.until) - block.expiresAt) < 2000, `${what}: until`);
    }
    const upgrade = await connect(server, { label: 'B-upgrade', headers: { 'x-forwarded-for': b.ip } }).then(
      () => null,
      (e) => e,
    );
    assert.equal(upgrade?.status, 403, `WebSocket upgrade from the blocked IP: ${upgrade?.message ?? 'accepted'}`);
    // B's still-valid token on a socket from another IP: refused at hello (device block).
    const elsewhere = await connect(server, { label: 'B-elsewhere', headers: { 'x-forwarded-for': nextIp() } });
    elsewhere.send({ type: 'hello', token: b.token });
    assert.equal((await elsewhere.next(['banned', 'welcome'])).type, 'banned');
    assert.equal((await elsewhere.closed(2000)).code, 4003);
    // Everyone else plays on.
    expectStatus(await sessionRequest(server, { deviceId: c.deviceId, ip: c.ip }), 200, 'C still admitted');

    // The other report is rejected: no block.
    const rejected = expectStatus(
      await call(server, 'POST', `/api/v1/admin/reports/${r2}/decision`, { token: mod, json: { action: 'reject', note: 'no evidence' } }),
      200,
      'reject report',
    ).json;
    assert.equal(rejected.report.status, 'rejected');
    assert.equal(rejected.block, null);
    // A decided report stays decided.
    const again = await call(server, 'POST', `/api/v1/admin/reports/${r1}/decision`, { token: mod, json: { action: 'reject' } });
    assert.equal(again.status, 409, describeResponse(again));

    // Appeals: nothing to appeal for an unblocked user; one open appeal at a time.
    const notBlocked = await call(server, 'POST', '/api/v1/appeals', { ip: c.ip, json: { deviceId: c.deviceId, message: 'hi' } });
    assert.equal(notBlocked.status, 404, `appeal by an unblocked user: ${describeResponse(notBlocked)}`);
    const appealRes = await call(server, 'POST', '/api/v1/appeals', {
      ip: b.ip,
      json: { deviceId: b.deviceId, message: 'I am sorry, it will not happen again' },
    });
    expectStatus(appealRes, 201, 'appeal');
    const appealId = appealRes.json.appealId;
    assert.ok(Number.isInteger(appealId) && appealId > 0, JSON.stringify(appealRes.json));
    const second = await call(server, 'POST', '/api/v1/appeals', { ip: b.ip, json: { deviceId: b.deviceId, message: 'again' } });
    assert.equal(second.status, 409, `second appeal: ${describeResponse(second)}`);
    assert.equal(second.json?.error?.code, 'conflict');

    const open = await adminGet(server, mod, '/api/v1/admin/appeals?status=open');
    const ap = open.items.find((x) => x.id === appealId);
    assert.ok(ap, 'the appeal is in the open list');
    assert.equal(ap.blockId, block.id);
    assert.equal(ap.message, 'I am sorry, it will not happen again');
    const accepted = expectStatus(
      await call(server, 'POST', `/api/v1/admin/appeals/${appealId}/decision`, {
        token: mod,
        json: { action: 'accept', note: 'second chance' },
      }),
      200,
      'accept appeal',
    ).json;
    assert.equal(accepted.status, 'accepted');
    const blocks = await adminGet(server, mod, `/api/v1/admin/blocks?device=${encodeURIComponent(b.claims.did)}`);
    const lifted = blocks.items.find((x) => x.id === block.id);
    assert.equal(lifted?.active, false, `block lifted: ${JSON.stringify(lifted)}`);
    assert.ok(lifted.liftedAt, 'liftedAt set');

    // B plays again: token, socket from its IP, hello, join, matched.
    const b2 = await user(server, { label: 'B-again', ip: b.ip, deviceId: b.deviceId });
    const d = await user(server, { label: 'D' });
    await pair(b2, d, lang);

    // Every step in the audit log, chained; the log verifies.
    audit = await auditEntries(server, mod);
    audit.forEach((e, i) => {
      assert.equal(e.seq, i + 1, 'seq has no gaps');
      if (i > 0) assert.equal(e.prevHash, audit[i - 1].hash, `entry ${e.seq} chains to ${e.seq - 1}`);
    });
    const acct = byAction(audit, 'account.create', 'account:mod1');
    assert.equal(acct.actor, 'cli');
    const login = byAction(audit, 'admin.login', 'account:mod1');
    assert.equal(login.actor, 'admin:mod1');
    const rep = byAction(audit, 'report.create', `report:${r1}`);
    assert.equal(rep.actor, `user:${a.userId}`);
    assert.equal(rep.reason, 'harassment');
    byAction(audit, 'report.create', `report:${r2}`);
    const acc = byAction(audit, 'report.accept', `report:${r1}`);
    assert.equal(acc.actor, 'admin:mod1');
    assert.equal(acc.reason, 'abusive language');
    const blk = byAction(audit, 'block.create', `block:${block.id}`);
    assert.equal(blk.actor, 'admin:mod1');
    byAction(audit, 'report.reject', `report:${r2}`);
    const apc = byAction(audit, 'appeal.create', `appeal:${appealId}`);
    const apa = byAction(audit, 'appeal.accept', `appeal:${appealId}`);
    assert.equal(apa.actor, 'admin:mod1');
    const lift = byAction(audit, 'block.lift', `block:${block.id}`);
    assert.ok(rep.seq < acc.seq && acc.seq < blk.seq && blk.seq < apc.seq && apc.seq < apa.seq && apa.seq <= lift.seq,
      'audit entries in the order things happened');
    acceptSeq = acc.seq;
    acceptReason = acc.reason;
    appealSeq = apc.seq;

    const verify = await adminGet(server, mod, '/api/v1/admin/audit/verify');
    assert.deepEqual(verify, { ok: true, entries: audit.length, firstBadSeq: null, problem: null });
  });

  // Offline: the CLI verifies the chain, then catches an edited and a deleted row.
  const n = audit.length;
  let v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 0, `${v.stdout}${v.stderr}`);
  assert.match(v.stdout, new RegExp(`audit log OK: ${n} entries`));

  sql(db, `UPDATE audit_log SET reason = 'nothing happened' WHERE seq = ${acceptSeq}`);
  v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 1, `after editing seq ${acceptSeq}: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, new RegExp(`audit log BROKEN at seq ${acceptSeq}\\b`));
  // The API sees it too (a forged token: a login would append to the log).
  await withModServer(db, {}, async (server) => {
    const api = await adminGet(server, forgeAdminToken(), '/api/v1/admin/audit/verify');
    assert.equal(api.ok, false);
    assert.equal(api.firstBadSeq, acceptSeq);
  });

  // Put the text back: the chain holds again (detection is by content).
  sql(db, `UPDATE audit_log SET reason = '${acceptReason}' WHERE seq = ${acceptSeq}`);
  v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 0, `restored: ${v.stdout}${v.stderr}`);

  sql(db, `UPDATE audit_log SET details = '{"blockId":999}' WHERE seq = ${appealSeq}`);
  v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 1, `after editing details of seq ${appealSeq}: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, new RegExp(`audit log BROKEN at seq ${appealSeq}\\b`));

  // Deleting a row in the middle (before the edited one) is caught at that row.
  const middle = Math.floor(acceptSeq / 2) + 1;
  sql(db, `DELETE FROM audit_log WHERE seq = ${middle}`);
  v = cli(db, ['audit', 'verify']);
  assert.equal(v.code, 1, `after deleting seq ${middle}: ${v.stdout}${v.stderr}`);
  assert.match(v.stdout, new RegExp(`audit log BROKEN at seq ${middle}\\b`));
}

// Reports survive kill -9 right after report_ack.
export async function killAfterAck(db) {
  let acked = [];
  let sids = [];
  const server = await startModServer(db);
  try {
    const lang = uniqueLang();
    const a = await user(server, { label: 'A' });
    const b = await user(server, { label: 'B' });
    const sid = await pair(a, b, lang);
    sids = [sid, sid];
    // Both sides report each other; the server dies the moment the last ack is read.
    const [ackA, ackB] = await Promise.all([report(a, sid, 'spam'), report(b, sid, 'violence', { comment: 'threats' })]);
    server.kill('SIGKILL');
    const exit = await server.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(ackA.type, 'report_ack', JSON.stringify(ackA));
    assert.equal(ackB.type, 'report_ack', JSON.stringify(ackB));
    acked = [
      { id: Number(ackA.reportId), reason: 'spam', reporter: a.userId, reported: b.userId },
      { id: Number(ackB.reportId), reason: 'violence', reporter: b.userId, reported: a.userId },
    ];
  } catch (e) {
    throw annotate(e, server);
  } finally {
    await closeAllClients();
    await server.stop();
  }

  await withModServer(db, {}, async (server) => {
    const token = await login(server, BOOT_ADMIN, BOOT_PASSWORD);
    const queue = await adminGet(server, token, '/api/v1/admin/reports?status=pending');
    for (const [i, r] of acked.entries()) {
      const found = queue.items.find((x) => x.id === r.id);
      assert.ok(found, `report ${r.id} acknowledged before kill -9 is in the queue: ${JSON.stringify(queue.items.map((x) => x.id))}`);
      assert.equal(found.status, 'pending');
      assert.equal(found.sessionId, sids[i]);
      assert.equal(found.reason, r.reason);
      assert.equal(found.reporter.userId, r.reporter);
      assert.equal(found.reported.userId, r.reported);
    }
    const verify = await adminGet(server, token, '/api/v1/admin/audit/verify');
    assert.equal(verify.ok, true, JSON.stringify(verify));
    const audit = await auditEntries(server, token);
    for (const r of acked) byAction(audit, 'report.create', `report:${r.id}`);
  });
}

// Fresh sessions of both devices join with the same preferences and nobody else.
async function expectKeptApart(server, deviceA, deviceB, lang, tag) {
  const a = await user(server, { label: `A-${tag}`, ...deviceA });
  const b = await user(server, { label: `B-${tag}`, ...deviceB });
  join(a, lang);
  join(b, lang);
  await Promise.all([a.next('queued'), b.next('queued')]);
  await Promise.all([a.expectNone('matched', 1000), b.expectNone('matched', 1000)]);
  // Both are matchable: a third and a fourth user take them.
  const c = await user(server, { label: `C-${tag}` });
  join(c, lang);
  const mc = await c.next('matched');
  const inSession = (m) => m.type === 'matched' && m.sessionId === mc.sessionId;
  const first = await Promise.any([a.next(inSession, 3000).then(() => a), b.next(inSession, 3000).then(() => b)]).catch(
    () => assert.fail(`the third user's partner is neither of the two\n  ${a.history()}\n  ${b.history()}`),
  );
  const other = first === a ? b : a;
  const d = await user(server, { label: `D-${tag}` });
  join(d, lang);
  const md = await d.next('matched');
  assert.equal((await other.next('matched')).sessionId, md.sessionId, 'and a fourth with the other');
  await closeAllClients();
}

// A reported pair is never matched again, also after a restart on the same database.
// how: 'ws' (the report message) or 'rest' (POST /api/v1/reports). control: first show that
// without a report the same two devices are matched again (the repeat-pair cooldown is off);
// sameRun: check on the server that took the report (the in-memory exclusion);
// restart: check again on a new server process on the same database (the stored one).
export async function reportedPairKeptApart(db, { how = 'ws', control = true, sameRun = true, restart = true } = {}) {
  const flags = { 'repeat-pair-cooldown-ms': 0 };
  const devA = { deviceId: randomDeviceId(), ip: nextIp() };
  const devB = { deviceId: randomDeviceId(), ip: nextIp() };
  await withModServer(db, { flags }, async (server) => {
    if (control) {
      const x = { deviceId: randomDeviceId(), ip: nextIp() };
      const y = { deviceId: randomDeviceId(), ip: nextIp() };
      const lang0 = uniqueLang();
      await pair(await user(server, { label: 'X', ...x }), await user(server, { label: 'Y', ...y }), lang0);
      await closeAllClients();
      await pair(await user(server, { label: 'X2', ...x }), await user(server, { label: 'Y2', ...y }), lang0);
      await closeAllClients();
    }
    const a = await user(server, { label: 'A', ...devA });
    const b = await user(server, { label: 'B', ...devB });
    const sid = await pair(a, b, uniqueLang());
    if (how === 'ws') {
      const ack = await report(a, sid, 'harassment');
      assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
    } else {
      const res = await call(server, 'POST', '/api/v1/reports', {
        token: a.token,
        ip: a.ip,
        json: { sessionId: sid, reason: 'harassment' },
      });
      expectStatus(res, 201, 'REST report');
    }
    await closeAllClients();
    if (sameRun) await expectKeptApart(server, devA, devB, uniqueLang(), 'same-run');
  });
  if (!restart) return;
  // The exclusion is loaded from the database at start.
  await withModServer(db, { flags }, async (server) => {
    await expectKeptApart(server, devA, devB, uniqueLang(), 'restarted');
  });
  return { devA, devB };
}

// Both devices join the same fresh language and nobody else: they meet.
export async function expectPairedAgain(server, deviceA, deviceB, tag) {
  const a = await user(server, { label: `A-${tag}`, ...deviceA });
  const b = await user(server, { label: `B-${tag}`, ...deviceB });
  const sid = await pair(a, b, uniqueLang());
  assert.ok(sid, 'the two met again');
  await closeAllClients();
}

export async function expectKeptApartOn(server, deviceA, deviceB, tag) {
  await expectKeptApart(server, deviceA, deviceB, uniqueLang(), tag);
}
