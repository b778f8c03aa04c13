// Two instances sharing one Redis and one database (as production does), for
// the scale-out abuse and moderation tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

import { closeAllClients } from './client.mjs';
import { BOOT_ADMIN, BOOT_PASSWORD } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate, startServer } from './server.mjs';
import { expectSoon, request, waitFor } from './util.mjs';

// Every limit the tests below do not name, off.
export const ALL_OFF = 'session_per_ip=off,connect_per_ip=off,report_per_device=off';

let redis;
let dbDir;

// Call once at the top of a test file: one Redis for its tests, started
// before them and stopped after.
export function useSharedRedis() {
  before(async () => {
    redis = await RedisServer.start();
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-shared-db-'));
  });
  after(async () => {
    await closeAllClients();
    await redis?.stop();
    fs.rmSync(dbDir, { recursive: true, force: true });
  });
}

// The shared Redis of useSharedRedis() (a RedisServer: lines(), flush()).
export function sharedRedis() {
  return redis;
}

// The SQLite file withTwo(name, ...) gives its instances.
export function sharedDbFile(name) {
  return path.join(dbDir, `${name}.db`);
}

// Two instances on the shared Redis (emptied first: each test starts clean)
// and one database, with `flags`, for `fn`.
export async function withTwo(name, flags, fn) {
  await redis.flush();
  const db = `sqlite://${sharedDbFile(name)}`;
  const env = { SERENDIP_REDIS_URL: redis.url, SERENDIP_DATABASE_URL: db, SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` };
  const pair = [];
  try {
    for (const label of [`${name}-a`, `${name}-b`]) pair.push(await startServer({ label, env, flags, abuse: 'default' }));
    for (const s of pair) await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready`, { timeoutMs: 8000 });
    // Each has seen the other's heartbeat: broadcasts (a block's `B`) reach both from here on.
    const bothLive = async (s) => /^serendip_instances_live 2$/m.test((await request(s, 'GET', '/metrics')).text);
    for (const s of pair) {
      if (!(await waitFor(() => bothLive(s), { timeoutMs: 8000 }))) throw new Error(`${s.label} did not see both instances live within 8 s`);
    }
    await fn(pair);
  } catch (e) {
    throw annotate(e, ...pair);
  } finally {
    await closeAllClients();
    for (const s of pair) if (!s.exit) await s.stop();
  }
}

