// scripts/bootstrap.sh on a machine whose Node is older than Vite needs: one
// clear line naming the versions needed, and a non-zero exit, before any build.
// A stand-in `node` first on PATH plays the old Node (Debian 12's nodejs 18).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function withNode(version, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-node-'));
  try {
    // Answers --version and -e like node does for that version.
    fs.writeFileSync(
      path.join(dir, 'node'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; exit 0; fi\n` +
        `if [ "$1" = -e ]; then exec "${process.execPath}" -e "Object.defineProperty(process.versions, 'node', {value: '${version}'}); eval(process.argv[1])" "$2"; fi\n` +
        `exec "${process.execPath}" "$@"\n`,
      { mode: 0o755 },
    );
    return fn({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const bootstrap = (env) => spawnSync('bash', ['scripts/bootstrap.sh', 'build'], { cwd: ROOT, env, encoding: 'utf8', timeout: 600000 });

test('bootstrap stops with one clear line when Node is too old for Vite', () => {
  for (const old of ['18.19.0', '20.18.1', '21.7.3', '22.11.0']) {
    withNode(old, (env) => {
      const r = bootstrap(env);
      assert.equal(r.status, 1, `Node ${old}: exit ${r.status}\n${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => l.includes('Node'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`Node v${old.replaceAll('.', '\\.')} is too old for the web app: Vite needs Node 20\\.19\\+ or 22\\.12\\+`));
    });
  }
});

test('bootstrap goes on with a Node that Vite accepts', () => {
  for (const ok of ['20.19.0', '22.12.0']) {
    withNode(ok, (env) => {
      const r = bootstrap(env);
      assert.equal(r.status, 0, `Node ${ok}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /too old/);
    });
  }
});
