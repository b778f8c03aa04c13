// No heap allocation per relayed message, end to end: the real server runs
// under the allocation-counting shim (bench/load/alloc_counter.cpp) while the
// load generator (bench/load/load_generator.cpp) keeps 40 sockets in 20 pairs
// ping-ponging `ice` messages through it, across both I/O threads. The
// benchmark (scripts/bench.sh load) prints the same figure with CPU and
// latency; this test keeps it from coming back. Only a count, no timing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { SERVER_BIN, withServer } from './server.mjs';

const BUILD = path.dirname(SERVER_BIN);
const LOAD = path.join(BUILD, 'serendip-load');
const SHIM = path.join(BUILD, 'libserendip-alloc-counter.so');

test('relaying messages between peers allocates nothing on the heap', async () => {
  assert.ok(fs.existsSync(LOAD) && fs.existsSync(SHIM), `build ${LOAD} and ${SHIM} (cmake --build build)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-allocs-'));
  const countFile = path.join(dir, 'count');
  try {
    await withServer({
      label: 'relay-allocations',
      env: { LD_PRELOAD: SHIM, SERENDIP_ALLOC_COUNT_FILE: countFile },
      flags: { 'log-level': 'info', threads: 2, 'messages-per-second': 100000, 'messages-burst': 100000 },
    }, async (s) => {
      const out = execFileSync(LOAD, [
        '--kind=serendip', `--port=${s.port}`, `--server-pid=${s.proc.pid}`, '--idle=0', '--pairs=20',
        '--warmup=1', '--seconds=2', `--alloc-file=${countFile}`,
      ], { encoding: 'utf8', timeout: 60000 });
      const figure = (key) => Number(new RegExp(`^${key}=(\\S+)$`, 'm').exec(out)?.[1]);
      const messages = figure('relayed_messages');
      const allocations = figure('server_allocations');
      console.log(`# ${messages} messages relayed, ${allocations} server allocations meanwhile`);
      assert.ok(messages >= 2000, `only ${messages} messages relayed:\n${out}`);
      // Timers, metrics and the like may allocate now and then; the relay itself never.
      assert.ok(allocations / messages < 0.005, `${allocations} allocations for ${messages} messages:\n${out}`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
