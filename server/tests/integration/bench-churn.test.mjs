// The match churn of `make bench` (scripts/bench.sh load: join -> matched ->
// next -> peer_left -> join, bench/load/load_generator.cpp --scenario=churn)
// runs against the real server on a SQLite file, as `make run` has it: every
// socket keeps being matched, nothing stalls or errs, and the figures the
// benchmark prints are there. Only that the scenario runs; its speed is the
// benchmark's business (docs/performance.md), not a test's. The churn floor it is
// compared with (serendip-floor-relay --churn) runs the same scenario.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { SERVER_BIN, withServer } from './server.mjs';

const LOAD = path.join(path.dirname(SERVER_BIN), 'serendip-load');

test('the churn benchmark scenario runs on a SQLite server: every cycle matches, none stalls or errs, the figures are printed', async () => {
  assert.ok(fs.existsSync(LOAD), `build ${LOAD} (cmake --build build)`);
  // The server's database is a SQLite file of its own (server.mjs).
  await withServer({
    label: 'churn',
    flags: { 'log-level': 'info', 'messages-per-second': 100000, 'messages-burst': 100000, 'repeat-pair-cooldown-ms': 0 },
  }, async (s) => {
    const out = execFileSync(LOAD, [
      '--scenario=churn', '--kind=serendip', `--port=${s.port}`, `--server-pid=${s.proc.pid}`, '--pairs=20',
      '--warmup=0.5', '--seconds=2',
    ], { encoding: 'utf8', timeout: 60000 });
    const figure = (key) => Number(new RegExp(`^${key}=(\\S+)$`, 'm').exec(out)?.[1]);
    console.log(`# ${figure('match_cycles')} match cycles, ${figure('server_cpu_us_per_match')} us of server CPU each`);
    assert.ok(figure('match_cycles') >= 200, `too few match cycles:\n${out}`);
    assert.equal(figure('errors'), 0, out);
    assert.equal(figure('stalls'), 0, out);
    for (const key of ['match_cycles_per_second', 'server_cpu_us_per_match', 'match_wait_p50_us', 'match_wait_p99_us']) {
      assert.ok(figure(key) > 0, `${key} missing or zero:\n${out}`);
    }
  });
});

test('the churn floor the benchmark compares with runs the same scenario (serendip-floor-relay --churn)', async () => {
  const floor = path.join(path.dirname(SERVER_BIN), 'serendip-floor-relay');
  assert.ok(fs.existsSync(floor), `build ${floor} (cmake --build build)`);
  const proc = spawn(floor, ['0', '--churn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /^listening (\d+)$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`serendip-floor-relay exited with ${code}: ${out}`)));
    });
    const out = await new Promise((resolve, reject) => {
      execFile(LOAD, ['--scenario=churn', '--kind=floor', `--port=${port}`, `--server-pid=${proc.pid}`, '--pairs=20',
        '--warmup=0.5', '--seconds=1'], { encoding: 'utf8', timeout: 60000 }, (e, stdout) => (e ? reject(e) : resolve(stdout)));
    });
    const figure = (key) => Number(new RegExp(`^${key}=(\\S+)$`, 'm').exec(out)?.[1]);
    assert.ok(figure('match_cycles') >= 200, `too few match cycles:\n${out}`);
    assert.equal(figure('errors'), 0, out);
    assert.equal(figure('stalls'), 0, out);
  } finally {
    proc.kill();
  }
});
