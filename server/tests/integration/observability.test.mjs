// The operators' files in deploy/ against the real thing: a real Prometheus
// (Debian's `prometheus`, started here on loopback) scrapes a real server,
// loads deploy/prometheus/serendip.rules.yml, and answers every query of the
// Grafana dashboard deploy/grafana/serendip-overview.json; every metric those
// files name is one the server exports.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { matchedPair } from './client.mjs';
import { freePort, withServer } from './server.mjs';
import { request, sleep, uniqueLang, waitFor } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEPLOY = path.resolve(here, '../../../deploy');
const RULES = path.join(DEPLOY, 'prometheus/serendip.rules.yml');
const DASHBOARD = path.join(DEPLOY, 'grafana/serendip-overview.json');

function dashboardQueries() {
  const dash = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8'));
  const out = [];
  for (const p of dash.panels) {
    for (const t of p.targets ?? []) out.push({ panel: p.title, legend: t.legendFormat, expr: t.expr });
  }
  return out;
}

// What Grafana substitutes before sending a query.
const concrete = (expr) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');

// Series of instances started with SERENDIP_REDIS_URL (cluster-script.test.mjs has the same list).
const SCALE_OUT_METRIC = /^serendip_(redis_|inbox_|relay_cross_instance_|instances_live|abuse_shared_|reported_pairs)/;

// Metric names in PromQL text: serendip_* and process_* (histogram series folded to their family).
function metricNames(text) {
  const names = new Set();
  for (const m of text.matchAll(/\b((?:serendip|process)_[a-z0-9_]+)/g)) names.add(m[1].replace(/_(bucket|sum|count)$/, ''));
  return names;
}

function promGet(port, p) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`GET ${p}: HTTP ${res.statusCode} ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${p}: timeout`)));
    req.on('error', reject);
  });
}
// waitFor that fails the test on timeout.
async function until(fn, timeoutMs, what) {
  if (!(await waitFor(fn, { timeoutMs, intervalMs: 250 }))) throw new Error(`timed out waiting for ${what}`);
}

const query = (port, expr) => promGet(port, `/api/v1/query?query=${encodeURIComponent(expr)}`);

async function startPrometheus(target) {
  const bin = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(bin, 'the prometheus binary is missing (scripts/bootstrap.sh installs Debian\'s prometheus)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-prom-'));
  // The rules as shipped, evaluated every second instead of every 30 s.
  fs.writeFileSync(path.join(dir, 'rules.yml'), fs.readFileSync(RULES, 'utf8').replace(/interval: 30s/g, 'interval: 1s'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'rule_files: [rules.yml]',
    'scrape_configs:',
    '  - job_name: serendip',
    `    static_configs: [{ targets: ["${target}"] }]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const proc = spawn(bin, [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (c) => (log += c));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const stop = async () => {
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const ready = async () => (await promGet(port, '/api/v1/status/buildinfo').catch(() => null))?.status === 'success';
  await until(async () => proc.exitCode !== null || (await ready()), 15000, 'prometheus to listen').catch(async (e) => {
    await stop();
    throw new Error(`prometheus did not start: ${e.message}\n${log}`);
  });
  if (proc.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
  return { port, stop, log: () => log };
}

test('a real Prometheus loads the alert rules and answers every dashboard query against a real server', async () => {
  await withServer({ label: 'observability', flags: { 'ping-interval-ms': 200, 'dead-after-ms': 5000 } }, async (s) => {
    // Every metric the rules and the dashboard name exists on the server.
    const exported = metricNames((await request(s, 'GET', '/metrics')).text.replace(/^# (HELP|TYPE) .*$/gm, ''));
    const named = new Set([...metricNames(fs.readFileSync(RULES, 'utf8')), ...dashboardQueries().flatMap((q) => [...metricNames(q.expr)])]);
    // The scale-out series (Redis client, inboxes, cross-instance relays, live instances) exist
    // only on instances started with SERENDIP_REDIS_URL; this server runs without Redis, and
    // cluster-script.test.mjs checks them on a cluster.
    const missing = [...named].filter((n) => !exported.has(n) && !SCALE_OUT_METRIC.test(n));
    assert.deepEqual(missing, [], 'metrics named in deploy/ that the server does not export');
    assert.ok(named.size >= 25, `only ${named.size} metrics named`);

    const prom = await startPrometheus(`127.0.0.1:${s.port}`);
    try {
      const scalar = async (expr) => {
        const r = await query(prom.port, expr);
        assert.equal(r.status, 'success', `${expr}: ${JSON.stringify(r)}`);
        return r.data.result.length ? Number(r.data.result[0].value[1]) : undefined;
      };
      // Enough scrapes for rate() over a minute, and pongs in more than one of them.
      await until(async () => ((await scalar('count_over_time(up{job="serendip"}[1m])')) ?? 0) >= 6 &&
        (await scalar('up{job="serendip"}')) === 1, 30000, 'six successful scrapes');
      // Traffic after the first scrapes, so rate() sees it grow: a call that connected
      // through TURN, and idle sockets answering heartbeats.
      const { a, b, sessionId } = await matchedPair(s, uniqueLang());
      a.send({ type: 'ice_result', sessionId, connected: true, candidateType: 'relay', timeToConnectMs: 800 });
      const iceRatio = concrete(dashboardQueries().find((x) => x.panel === 'ICE success (30 min)').expr);
      await until(async () => Number.isFinite(await scalar(iceRatio)), 20000, 'the ICE result in a scrape');
      const rttP95 = concrete('histogram_quantile(0.95, sum by (le) (rate(serendip_ws_ping_rtt_seconds_bucket[$__rate_interval])))');
      await until(async () => Number.isFinite(await scalar(rttP95)), 20000, 'heartbeat round trips in two scrapes');

      // Every rule evaluates without error.
      await until(async () => {
        const r = await promGet(prom.port, '/api/v1/rules');
        const rules = r.data.groups.flatMap((g) => g.rules);
        return rules.length >= 17 && rules.every((x) => x.health === 'ok');
      }, 20000, 'every rule evaluated').catch(async () => {
        const r = await promGet(prom.port, '/api/v1/rules');
        const bad = r.data.groups.flatMap((g) => g.rules).filter((x) => x.health !== 'ok');
        assert.fail(`rules not healthy: ${JSON.stringify(bad.map((x) => [x.name, x.health, x.lastError]))}\n${prom.log()}`);
      });
      // A healthy server with one call fires nothing (the volume gates hold).
      const alerts = await promGet(prom.port, '/api/v1/alerts');
      assert.deepEqual(alerts.data.alerts.map((x) => `${x.labels.alertname} ${x.state}`), []);

      // Every dashboard query is valid PromQL over real data.
      const empty = [];
      for (const q of dashboardQueries()) {
        const r = await query(prom.port, concrete(q.expr));
        assert.equal(r.status, 'success', `panel "${q.panel}" (${q.legend}): ${r.error}`);
        if (r.data.result.length === 0) empty.push(`${q.panel} / ${q.legend}`);
      }
      // And the panels that this traffic feeds show it.
      const value = async (panel, legend) => {
        const q = dashboardQueries().find((x) => x.panel === panel && (legend === undefined || x.legend === legend));
        assert.ok(q, `no panel ${panel}`);
        return scalar(concrete(q.expr));
      };
      assert.equal(await value('Online users'), 2, 'Online users');
      assert.equal(await value('In a call'), 2, 'In a call');
      assert.equal(await value('ICE success (30 min)'), 1, 'ICE success');
      assert.equal(await value('Through TURN (30 min)'), 1, 'Through TURN');
      const rtt = await value('Signaling round trip', 'p95');
      assert.ok(rtt > 0 && rtt < 0.5, `loopback round trip p95 ${rtt}`);
      assert.ok((await value('Memory per open socket')) > 0);
      assert.ok((await value('File descriptors', 'open {{instance}}')) >= 3);
      await until(async () => (await scalar('serendip:online_users:sum')) === 2, 5000, 'the recorded online users');
      await until(async () => (await scalar('serendip:ice_success_ratio:rate30m')) === 1, 5000, 'the recorded ICE success ratio');
      console.log(`# ${dashboardQueries().length} dashboard queries answered; empty on this traffic: ${empty.length ? empty.join('; ') : 'none'}`);
      b.send({ type: 'leave' });
    } finally {
      await prom.stop();
    }
  });
});
