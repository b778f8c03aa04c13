// Issue 14, faults: the disk under an SQLite database fills up. A report is then refused with
// a clear error (never acknowledged and lost), the server stays up, what was stored before is
// intact (reports and the audit chain), and once space is freed reports work again.
//
// The database lives on a small tmpfs mounted in a mount namespace of the server's own
// (`unshare -m`, as root): the mount is invisible outside and goes away with the server, so
// nothing is left behind. The test reaches the files through /proc/<server pid>/root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { closeAllClients } from './client.mjs';
import { SERVER_BIN, annotate } from './server.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD, adminGet, call, login, pair, report, startModServer, tempDir, user } from './moderation-tools.mjs';
import { uniqueLang } from './util.mjs';

const MOUNT_SIZE = '6m';

function canMount() {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a small filesystem for the database';
  const probe = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) return `unshare -m + mount tmpfs does not work here: ${probe.stderr.trim()}`;
  return '';
}
const skip = canMount();

// Writes zeros into `file` until the filesystem is full; returns the bytes written.
function fill(file) {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += fs.writeSync(fd, chunk);
      } catch (e) {
        if (e.code === 'ENOSPC') break;
        throw e;
      }
    }
    // The last partial block: byte by byte is too slow, so halve the chunk.
    for (let n = 32 * 1024; n >= 512; n /= 2) {
      try {
        for (;;) written += fs.writeSync(fd, chunk.subarray(0, n));
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

// A matched pair; returns the session the first one may report.
async function session(server, lang) {
  const a = await user(server, { label: 'A' });
  const b = await user(server, { label: 'B' });
  const sid = await pair(a, b, lang);
  return { a, b, sid };
}

test('disk full under SQLite: reports refused with unavailable (WS and REST), none acknowledged and lost; earlier data intact; works again once space is freed', { skip: skip || false, timeout: 110_000 }, async () => {
  const dir = tempDir('serendip-faults-disk-');
  const mnt = path.join(dir, 'db');
  fs.mkdirSync(mnt);
  const file = path.join(mnt, 'x.db');
  const server = await startModServer(
    { kind: 'sqlite', file, url: `sqlite://${file}` },
    {
      label: 'disk',
      wrap: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${MOUNT_SIZE} tmpfs "$0" && exec "$@"`, mnt],
    },
  );
  // The database as the server sees it (its mount namespace).
  const inNs = (p) => path.join(`/proc/${server.proc.pid}/root`, p);
  // SQLite resolves symbolic links in a database path, /proc/<pid>/root included: the sqlite3
  // CLI and `audit verify` run inside the server's mount namespace instead (nsenter).
  const nsenter = (cmd, args, env = {}) =>
    spawnSync('nsenter', ['-t', String(server.proc.pid), '-m', '--', cmd, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
  const sqlite = (statement) => {
    const r = nsenter('sqlite3', ['-batch', file, statement]);
    assert.equal(r.status, 0, `sqlite3 ${statement}: ${r.stderr}`);
    return r.stdout.trim();
  };
  try {
    assert.ok(fs.existsSync(inNs(file)), 'the database is on the mounted filesystem');
    assert.ok(!fs.existsSync(file), 'and not on the host filesystem');
    const lang = uniqueLang();
    const admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD);

    // Before: three acknowledged reports.
    const before = [];
    for (let i = 0; i < 3; i++) {
      const { a, sid } = await session(server, lang);
      const ack = await report(a, sid, 'spam', { comment: `before ${i}` });
      assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
      before.push(Number(ack.reportId));
    }

    const filled = fill(inNs(path.join(mnt, 'fill')));
    assert.ok(filled > 0, 'wrote something before the filesystem was full');

    // Full: every report is either refused with `unavailable` or acknowledged (SQLite may
    // still fit a commit into WAL pages it already has); an acknowledged one must be stored.
    // Long comments make the WAL grow, so refusals come within a few reports.
    const acked = [];
    let refusedWs = 0;
    let refusedRest = 0;
    for (let i = 0; i < 12; i++) {
      const { a, sid } = await session(server, lang);
      const comment = `full ${i} `.padEnd(500, 'x');
      if (i % 2 === 0) {
        const m = await report(a, sid, 'harassment', { comment });
        if (m.type === 'report_ack') {
          acked.push(Number(m.reportId));
        } else {
          assert.equal(m.code, 'unavailable', `a refused report says why: ${JSON.stringify(m)}`);
          assert.ok(m.message, 'with a message');
          refusedWs++;
        }
      } else {
        const res = await call(server, 'POST', '/api/v1/reports', { token: a.token, ip: a.ip, json: { sessionId: sid, reason: 'spam', comment } });
        if (res.status === 201) {
          acked.push(Number(res.json.reportId));
        } else {
          assert.equal(res.status, 503, `a refused REST report: ${res.status} ${res.text}`);
          assert.equal(res.json?.error?.code, 'unavailable', res.text);
          refusedRest++;
        }
      }
      await closeAllClients();
    }
    assert.ok(refusedWs > 0 && refusedRest > 0, `reports were refused on a full disk (WS ${refusedWs}, REST ${refusedRest}, acknowledged ${acked.length})`);

    // Up and healthy; /readyz may say the database is in trouble but the process answers.
    const health = await call(server, 'GET', '/healthz');
    assert.equal(health.status, 200, health.text);
    assert.equal(server.exit, null, 'the server is still running');

    // Free the space: reports work again, on the same connection (no restart).
    fs.rmSync(inNs(path.join(mnt, 'fill')));
    const { a, sid } = await session(server, lang);
    const after = await report(a, sid, 'violence', { comment: 'after' });
    assert.equal(after.type, 'report_ack', JSON.stringify(after));
    await closeAllClients();

    // Everything acknowledged is there, in the admin API and in the file.
    for (const id of [...before, ...acked, Number(after.reportId)]) {
      const r = await adminGet(server, admin, `/api/v1/admin/reports/${id}`);
      assert.equal(r.id, id);
    }
    const rows = Number(sqlite('SELECT count(*) FROM reports'));
    assert.equal(rows, before.length + acked.length + 1, 'exactly the acknowledged reports are stored, nothing half-written');
    assert.equal(sqlite('PRAGMA integrity_check'), 'ok');
    const verified = nsenter(SERVER_BIN, ['audit', 'verify'], { SERENDIP_DATABASE_URL: `sqlite://${file}` });
    assert.equal(verified.status, 0, `audit verify after the disk was full: ${verified.stdout}${verified.stderr}`);
    const audit = await adminGet(server, admin, '/api/v1/admin/audit?limit=200');
    const created = audit.items.filter((e) => e.action === 'report.create').length;
    assert.equal(created, rows, 'one report.create audit entry per stored report, none for a refused one');
  } catch (e) {
    throw annotate(e, server);
  } finally {
    await closeAllClients();
    await server.stop();
  }
});
