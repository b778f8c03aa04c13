// Start-up failures: a taken port, unreadable TLS files, an unreachable
// PostgreSQL, an SQLite path that cannot be created and a bad configuration
// each end the process at once with a non-zero exit code (never a signal) and
// exactly one plain line on stderr that says what is wrong, without secrets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { SERVER_BIN } from './server.mjs';
import { JWT_SECRET } from './util.mjs';

function run(args, env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-startup-'));
  try {
    const clean = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SERENDIP_')) clean[k] = v;
    const full = {
      ...clean,
      SERENDIP_JWT_SECRET: JWT_SECRET,
      SERENDIP_DATABASE_URL: `sqlite://${path.join(dir, 'x.db')}`,
      SERENDIP_STATIC_DIR: dir,
      ...(typeof env === 'function' ? env(dir) : env),
    };
    const r = spawnSync(SERVER_BIN, typeof args === 'function' ? args(dir) : args, {
      cwd: dir,
      env: full,
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(r.error, undefined, String(r.error));
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Exits with `code`, no signal, and one line on stderr matching every pattern.
function assertOneLine(r, code, patterns) {
  const detail = `exit ${r.status}, signal ${r.signal}\n--- stderr ---\n${r.stderr}--- stdout ---\n${r.stdout}`;
  assert.equal(r.signal, null, `killed by a signal: ${detail}`);
  assert.equal(r.status, code, detail);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `stderr should be one line: ${detail}`);
  assert.match(lines[0], /^serendip-server: /, detail);
  for (const p of patterns) assert.match(lines[0], p, detail);
  return lines[0];
}

test('a taken metrics-listen port: exit 1 and one line naming the address, no crash', async () => {
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address();
  try {
    const r = run(['--listen=127.0.0.1:0', `--metrics-listen=127.0.0.1:${port}`]);
    assertOneLine(r, 1, [/metrics-listen/, new RegExp(`127\\.0\\.0\\.1:${port}`), /in use/i]);
  } finally {
    holder.close();
  }
});

test('a taken listen port: exit 1 and one line naming the address, no crash', async () => {
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address();
  try {
    const r = run([`--listen=127.0.0.1:${port}`]);
    assertOneLine(r, 1, [new RegExp(`127\\.0\\.0\\.1:${port}`), /in use/i]);
  } finally {
    holder.close();
  }
});

test('a taken listen port with several I/O threads: still exit 1, no crash', async () => {
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address();
  try {
    const r = run([`--listen=127.0.0.1:${port}`, '--threads=4']);
    assertOneLine(r, 1, [new RegExp(`${port}`)]);
  } finally {
    holder.close();
  }
});

test('missing TLS files: exit 1 and one line naming the file', () => {
  const r = run((dir) => ['--listen=127.0.0.1:0', `--tls-cert=${dir}/nope-cert.pem`, `--tls-key=${dir}/nope-key.pem`]);
  assertOneLine(r, 1, [/TLS/, /nope-cert\.pem/]);
});

test('a TLS certificate file that is not PEM: exit 1 and one line naming it', () => {
  const r = run(
    (dir) => {
      fs.writeFileSync(path.join(dir, 'garbage.pem'), 'not a pem file\n');
      return ['--listen=127.0.0.1:0', `--tls-cert=${dir}/garbage.pem`, `--tls-key=${dir}/garbage.pem`];
    },
  );
  assertOneLine(r, 1, [/TLS/, /garbage\.pem/]);
});

test('unreachable PostgreSQL: exit 1 and one line, without the password', () => {
  const r = run(['--listen=127.0.0.1:0'], {
    SERENDIP_DATABASE_URL: 'postgresql://serendip:pw-not-for-logs@127.0.0.1:1/serendip?connect_timeout=3',
  });
  const line = assertOneLine(r, 1, [/database/i]);
  assert.doesNotMatch(line, /pw-not-for-logs/);
  assert.doesNotMatch(r.stdout, /pw-not-for-logs/);
});

test('an SQLite path whose directory cannot be made: exit 1 and one line', () => {
  const r = run(['--listen=127.0.0.1:0'], (dir) => {
    // A file where the directory should be: fails for root too (permissions would not).
    fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
    return { SERENDIP_DATABASE_URL: `sqlite://${dir}/not-a-dir/serendip.db` };
  });
  assertOneLine(r, 1, [/database/i, /not-a-dir/]);
});

test('a bad configuration value: exit 2 and one line naming the key', () => {
  const r = run(['--listen=127.0.0.1:0', '--threads=lots']);
  assertOneLine(r, 2, [/threads/]);
});

test('an unknown flag: exit 2 and one line naming it', () => {
  const r = run(['--listen=127.0.0.1:0', '--no-such-key=1']);
  assertOneLine(r, 2, [/no-such-key/]);
});

test('a config file that does not exist: exit 2 and one line naming it', () => {
  const r = run((dir) => ['--listen=127.0.0.1:0', `--config=${dir}/missing.conf`]);
  assertOneLine(r, 2, [/missing\.conf/]);
});
