// make run-cluster (scripts/cluster.sh): the Redis Cluster, PostgreSQL, three
// instances and HAProxy start on ports of the test's choosing, HAProxy spreads
// WebSocket upgrades round robin over the three instances (no affinity) and
// every instance accepts a token another one issued (one JWT secret), and
// SIGINT (Ctrl-C) stops every process the script started.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { closeAllClients, connect, createSession } from './client.mjs';
import { freeBase } from './cluster-ports.mjs';
import { SERVER_BIN } from './server.mjs';
import { parseMetrics, request, waitFor, within } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/cluster.sh');
const INSTANCES = 3;

const haveHaproxy = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).status === 0;
const haveRedisScript = fs.existsSync(path.join(ROOT, 'scripts/redis.sh'));

// /proc/PID/stat's state: a zombie has exited.
function running(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

// Series of instances started with SERENDIP_REDIS_URL (observability.test.mjs leaves them to this test).
const SCALE_OUT_METRIC = /^serendip_(redis_|inbox_|relay_cross_instance_|instances_live|abuse_shared_|reported_pairs)/;
function metricNames(text) {
  const names = new Set();
  for (const m of text.matchAll(/\b((?:serendip|process)_[a-z0-9_]+)/g)) names.add(m[1].replace(/_(bucket|sum|count)$/, ''));
  return names;
}
// The scale-out metrics the alert rules and the dashboard name.
function scaleOutMetricsNamed() {
  const rules = fs.readFileSync(path.join(ROOT, 'deploy/prometheus/serendip.rules.yml'), 'utf8');
  const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/serendip-overview.json'), 'utf8'));
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  return [...new Set([...metricNames(rules), ...metricNames(exprs)])].filter((n) => SCALE_OUT_METRIC.test(n)).sort();
}

const metric = (text, name) =>
  parseMetrics(text).filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);

test('scripts/cluster.sh starts three instances behind HAProxy, which spreads WebSockets round robin; SIGINT stops every process', {
  skip: !haveHaproxy ? 'haproxy not installed (scripts/bootstrap.sh test)' : !haveRedisScript ? 'scripts/redis.sh not there yet' : false,
  timeout: 60000,
}, async () => {
  const base = await freeBase();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-cluster-test-'));
  const env = { ...process.env, SERENDIP_SERVER_BIN: SERVER_BIN };
  delete env.SERENDIP_ADMIN_BOOTSTRAP;
  const child = spawn(SCRIPT, ['run', '--base-port', String(base), '--run-dir', runDir, '--no-install'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const t0 = Date.now();
  const pids = () => {
    const list = [];
    const read = (dir, re) => {
      if (!fs.existsSync(dir)) return;
      for (const f of fs.readdirSync(dir)) if (re.test(f)) list.push({ what: f, pid: Number(fs.readFileSync(path.join(dir, f), 'utf8')) });
    };
    read(path.join(runDir, 'pids'), /\.pid$/);
    read(path.join(runDir, 'pg'), /^pid$/);
    read(path.join(runDir, 'redis'), /^redis-\d+\.pid$/);
    return list;
  };
  let started = [];
  try {
    const up = await waitFor(() => out.includes('Serendip cluster is up') || child.exitCode !== null, { timeoutMs: 30000, intervalMs: 100 });
    assert.ok(up && child.exitCode === null, `cluster.sh did not come up:\n${out}`);
    const startMs = Date.now() - t0;
    started = pids();
    // HAProxy, three instances, the postmaster and six Redis nodes.
    assert.equal(started.length, 1 + INSTANCES + 1 + 6, `pid files: ${JSON.stringify(started)}`);
    for (const p of started) assert.ok(running(p.pid), `${p.what} (${p.pid}) runs`);
    assert.match(out, new RegExp(`http://localhost:${base}\\b`), 'prints the URL');
    assert.match(out, new RegExp(`${runDir}/logs`), 'says where the logs are');
    // The generated secret is private to the run's owner.
    assert.equal(fs.statSync(path.join(runDir, 'secrets.env')).mode & 0o077, 0);

    const lb = { host: '127.0.0.1', port: base };
    const instances = [1, 2, 3].map((i) => ({ host: '127.0.0.1', port: base + i }));
    const ready = await request(lb, 'GET', '/readyz');
    assert.equal(ready.status, 200, `/readyz through HAProxy: ${ready.status} ${ready.text}`);

    // Tokens from instance 1 only; six upgrades through HAProxy one after the other.
    const before = await Promise.all(instances.map(async (s) => metric((await request(s, 'GET', '/metrics')).text, 'serendip_ws_accepted_total')));
    const sessions = [];
    for (let i = 0; i < 6; i++) sessions.push(await createSession(instances[0]));
    const clients = [];
    for (const [i, s] of sessions.entries()) {
      const c = await connect(lb, { origin: `http://localhost:${base}`, label: `lb${i}` });
      c.send({ type: 'hello', token: s.token });
      const w = await c.next(['welcome', 'error'], 3000);
      assert.equal(w.type, 'welcome', `hello through HAProxy with instance 1's token: ${JSON.stringify(w)}`);
      clients.push(c);
    }
    const after = await Promise.all(instances.map(async (s) => (await request(s, 'GET', '/metrics')).text));
    const accepted = after.map((t, i) => metric(t, 'serendip_ws_accepted_total') - before[i]);
    const open = after.map((t) => metric(t, 'serendip_ws_authenticated'));
    assert.deepEqual(accepted, [2, 2, 2], `upgrades per instance (round robin, no affinity): ${accepted}`);
    assert.deepEqual(open, [2, 2, 2], `authenticated sockets per instance: ${open}`);
    // Instances that use Redis export every scale-out series the rules and the dashboard read.
    const named = scaleOutMetricsNamed();
    assert.ok(named.length >= 7, `scale-out metrics named in deploy/: ${named}`);
    for (const [i, t] of after.entries()) {
      const exported = metricNames(t.replace(/^# (HELP|TYPE) .*$/gm, ''));
      if (![...exported].some((n) => n.startsWith('serendip_redis_'))) {
        if (i === 0) console.log('# the instances export no serendip_redis_* series (a server without Redis support): scale-out metrics not checked');
        continue;
      }
      const missing = named.filter((n) => !exported.has(n));
      assert.deepEqual(missing, [], `scale-out metrics named in deploy/ that instance ${i + 1} does not export`);
    }
    console.log(`# cluster up in ${startMs} ms on ports ${base}..${base + 20}; 6 WebSockets through HAProxy landed ${accepted.join('/')}`);
    await closeAllClients();

    // Ctrl-C: the script stops everything it started, then exits.
    const t1 = Date.now();
    child.kill('SIGINT');
    const res = await within(exited, 25000);
    assert.notEqual(res, 'timeout', `cluster.sh still running 25 s after SIGINT:\n${out}`);
    assert.equal(res.code, 130, `exit after SIGINT: ${JSON.stringify(res)}\n${out}`);
    const left = started.filter((p) => running(p.pid));
    assert.deepEqual(left, [], 'processes left behind after Ctrl-C');
    assert.ok(!fs.existsSync(path.join(runDir, 'secrets.env')), 'the run\'s secret is removed');
    assert.ok(fs.existsSync(path.join(runDir, 'logs', 'serendip-1.log')), 'logs are kept');
    console.log(`# stopped in ${Date.now() - t1} ms`);
  } finally {
    await closeAllClients();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    // Whatever a failed run left: the script's own stop, by PID.
    if (pids().length) spawnSync(SCRIPT, ['stop', runDir], { cwd: ROOT, encoding: 'utf8', timeout: 30000 });
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});

// --instances N (or SERENDIP_CLUSTER_INSTANCES): 1..9, checked before anything starts.
test('scripts/cluster.sh refuses an instance count outside 1..9 before starting anything', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-cluster-args-'));
  try {
    const cases = [
      { args: ['--instances', '0'], env: {} },
      { args: ['--instances=10'], env: {} },
      { args: ['--instances', 'two'], env: {} },
      { args: [], env: { SERENDIP_CLUSTER_INSTANCES: '12' } },
      // With more than three instances the stats page moves to P+21: the base must leave room for it.
      { args: ['--instances', '6', '--base-port', '55515'], env: {}, expect: /--base-port: 1024\.\.55514/ },
    ];
    for (const c of cases) {
      const r = spawnSync(SCRIPT, ['start', '--run-dir', runDir, '--no-install', ...c.args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 10000,
        env: { ...process.env, SERENDIP_SERVER_BIN: '/nonexistent', ...c.env },
      });
      assert.equal(r.status, 1, `${JSON.stringify(c)}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, c.expect ?? /--instances \(or SERENDIP_CLUSTER_INSTANCES\): 1\.\.9/, JSON.stringify(c));
      assert.deepEqual(fs.readdirSync(runDir), [], `${JSON.stringify(c)} left files in the run directory`);
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});
