// The files operators deploy from (deploy/): Prometheus configuration and
// rules (promtool), the Grafana dashboard, the Dockerfiles and the Kubernetes
// manifests, checked against each other and against the real server binary:
// the libraries it links, the settings it knows, the probes it answers.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

import { SERVER_BIN, withServer } from './server.mjs';
import { request } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');
const DEPLOY = path.join(ROOT, 'deploy');
const read = (p) => fs.readFileSync(path.join(ROOT, p), 'utf8');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60000, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

// ---------------------------------------------------------------- Prometheus

test('promtool accepts the Prometheus configuration and rules, and the rule unit tests pass', () => {
  const config = run('promtool', ['check', 'config', path.join(DEPLOY, 'prometheus/prometheus.yml')]);
  assert.equal(config.status, 0, config.stdout + config.stderr);
  assert.match(config.stdout, /SUCCESS: \d+ rules found/);
  const rules = run('promtool', ['check', 'rules', path.join(DEPLOY, 'prometheus/serendip.rules.yml')]);
  assert.equal(rules.status, 0, rules.stdout + rules.stderr);
  const tests = run('promtool', ['test', 'rules', 'serendip.rules.test.yml'], { cwd: path.join(DEPLOY, 'prometheus/tests') });
  assert.equal(tests.status, 0, tests.stdout + tests.stderr);
  assert.match(tests.stdout, /SUCCESS/);
  // Every alert of the rules file has at least one unit test.
  const alerts = [...read('deploy/prometheus/serendip.rules.yml').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
  const tested = new Set([...read('deploy/prometheus/tests/serendip.rules.test.yml').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
  const untested = alerts.filter((a) => !tested.has(a));
  assert.deepEqual(untested, [], 'alerts without a promtool test');
  // And docs/operations.md describes each one.
  const ops = read('docs/operations.md');
  for (const a of alerts) assert.ok(ops.includes(`\`${a}\``), `docs/operations.md does not mention ${a}`);
});

// ---------------------------------------------------------------- Grafana

test('the Grafana dashboard is well-formed: unique ids, a 24-column grid without overlaps, described panels', () => {
  const dash = JSON.parse(read('deploy/grafana/serendip-overview.json'));
  assert.equal(dash.uid, 'serendip-overview');
  assert.ok(dash.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  const ids = dash.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const cells = new Set();
  for (const p of dash.panels) {
    const { x, y, w, h } = p.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24, `${p.title}: x ${x} w ${w}`);
    for (let i = x; i < x + w; i++) {
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps another panel at ${i},${j}`);
        cells.add(`${i},${j}`);
      }
    }
    if (p.type === 'row') continue;
    assert.ok(p.title && p.description, `panel ${p.id} has a title and a description`);
    assert.ok(p.targets.length > 0, `${p.title} has queries`);
    assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length, `${p.title}: refIds unique`);
    for (const t of p.targets) {
      assert.equal(t.datasource.uid, '${datasource}', `${p.title}: uses the data-source picker`);
      assert.match(t.expr, /job="serendip"/, `${p.title}: selects job="serendip"`);
    }
  }
});

// ---------------------------------------------------------------- images

// Packages named in one `apt-get install` of a Dockerfile stage (FROM ... AS name, or the last stage).
function aptPackages(dockerfile, stage) {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const body = stage === undefined ? stages.at(-1) : stages.find((s) => new RegExp(`\\bAS ${stage}\\b`).test(s.split('\n')[0]));
  assert.ok(body, `stage ${stage ?? '(last)'}`);
  const m = /apt-get install -y --no-install-recommends([\s\S]*?)(?:&&|$)/.exec(body.replace(/\\\n/g, ' '));
  assert.ok(m, `no apt-get install in stage ${stage}`);
  return m[1].trim().split(/\s+/);
}

// The Debian package that ships a library file. With merged /usr, dpkg may know
// the file under /lib rather than /usr/lib (or by a symlink's name).
function owningPackage(file) {
  const real = fs.realpathSync(file);
  const candidates = new Set([file, real]);
  for (const f of [file, real]) if (f.startsWith('/usr/lib/')) candidates.add(f.slice(4));
  for (const f of [file, real]) if (f.startsWith('/lib/')) candidates.add(`/usr${f}`);
  for (const c of candidates) {
    const r = spawnSync('dpkg', ['-S', c], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.split(':')[0];
  }
  throw new Error(`no package owns ${[...candidates].join(' or ')}`);
}

test('the server image installs what the binary links, and builds with the packages bootstrap.sh installs', () => {
  const dockerfile = read('deploy/docker/serendip.Dockerfile');
  // Build stage == scripts/bootstrap.sh build packages (less nodejs: the web stage has its own Node).
  const bootstrap = /build_pkgs=\(([\s\S]*?)\)/.exec(read('scripts/bootstrap.sh'))[1].trim().split(/\s+/).filter((p) => p !== 'nodejs' && p !== 'git');
  assert.deepEqual([...aptPackages(dockerfile, 'server')].sort(), [...bootstrap].sort());
  // Runtime stage: a package for every library the binary needs directly.
  const runtime = new Set(aptPackages(dockerfile));
  const base = new Set(['libc6', 'libstdc++6', 'libgcc-s1']); // in debian:12-slim already
  const needed = [...execFileSync('readelf', ['-d', SERVER_BIN], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  assert.ok(needed.length >= 5, `NEEDED: ${needed}`);
  const resolved = Object.fromEntries([...execFileSync('ldd', [SERVER_BIN], { encoding: 'utf8' }).matchAll(/^\s*(\S+) => (\S+)/gm)].map((m) => [m[1], m[2]]));
  const missing = [];
  for (const lib of needed) {
    const file = resolved[lib];
    assert.ok(file, `ldd does not resolve ${lib}`);
    const pkg = owningPackage(file);
    if (!runtime.has(pkg) && !base.has(pkg)) missing.push(`${lib} (${pkg})`);
  }
  assert.deepEqual(missing, [], 'libraries the runtime image lacks');
  // The user, the data directory and the database URL agree with each other.
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /SERENDIP_DATABASE_URL=sqlite:\/\/\/var\/lib\/serendip\/serendip\.db/);
  assert.match(dockerfile, /VOLUME \["\/var\/lib\/serendip"\]/);
  for (const p of ['web/package.json', 'web/package-lock.json', 'web/.npmrc', 'CMakeLists.txt']) {
    assert.ok(fs.existsSync(path.join(ROOT, p)), `${p} copied by the Dockerfile exists`);
  }
  // The build context keeps build trees and dependencies out, never the sources.
  const ignore = read('.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
  for (const must of ['build', '**/node_modules', 'web/dist']) assert.ok(ignore.includes(must), `.dockerignore: ${must}`);
  for (const never of ['server', 'web', 'protocol', 'deploy']) assert.ok(!ignore.includes(never), `.dockerignore must not drop ${never}`);
});

test('the coturn image runs the production configuration through run-turnserver.sh, unprivileged', () => {
  const dockerfile = read('deploy/docker/coturn.Dockerfile');
  assert.deepEqual(aptPackages(dockerfile).sort(), ['ca-certificates', 'coturn']);
  assert.match(dockerfile, /COPY deploy\/coturn\/turnserver\.prod\.conf /);
  assert.match(dockerfile, /ENTRYPOINT \["\/usr\/local\/bin\/run-turnserver\.sh"\]/);
  assert.match(dockerfile, /^USER 10002:10002$/m);
  assert.ok(fs.statSync(path.join(DEPLOY, 'coturn/run-turnserver.sh')).mode & 0o111, 'run-turnserver.sh is executable');
  // Its ports are the configuration's.
  const conf = read('deploy/coturn/turnserver.prod.conf');
  const port = /^listening-port=(\d+)/m.exec(conf)[1];
  const tls = /^tls-listening-port=(\d+)/m.exec(conf)[1];
  assert.match(dockerfile, new RegExp(`EXPOSE ${port}/udp ${port}/tcp ${tls}/tcp`));
});

// ---------------------------------------------------------------- settings

test('every SERENDIP_ setting named in deploy/ is one the server knows', () => {
  const help = execFileSync(SERVER_BIN, ['--help'], { encoding: 'utf8' });
  const known = new Set([...help.matchAll(/env (SERENDIP_[A-Z0-9_]+)/g)].map((m) => m[1]));
  assert.ok(known.size >= 20);
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(DEPLOY);
  const unknown = [];
  for (const f of files) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/\bSERENDIP_[A-Z0-9_]+/g)) {
      if (!known.has(m[0])) unknown.push(`${path.relative(ROOT, f)}: ${m[0]}`);
    }
  }
  assert.deepEqual(unknown, []);
});

// ---------------------------------------------------------------- Kubernetes

function manifests() {
  const kustomization = YAML.parse(read('deploy/kustomization.yaml'));
  const docs = [];
  for (const r of kustomization.resources) {
    const file = path.join(DEPLOY, r);
    assert.ok(fs.existsSync(file), `kustomization resource ${r} exists`);
    for (const d of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      assert.deepEqual(d.errors, [], `${r}: YAML errors`);
      if (d.contents) docs.push({ file: r, ...d.toJSON() });
    }
  }
  return { kustomization, docs };
}
const find = (docs, kind, name) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(d, `${kind}/${name}`);
  return d;
};

test('the Kubernetes manifests agree with each other, the images and the server', () => {
  const { kustomization, docs } = manifests();
  for (const g of kustomization.configMapGenerator) {
    for (const f of g.files) assert.ok(fs.existsSync(path.join(DEPLOY, f.split('=').at(-1))), `${g.name}: ${f}`);
  }
  for (const d of docs) {
    assert.ok(d.apiVersion && d.kind && d.metadata?.name, `${d.file}: apiVersion, kind, name`);
    assert.equal(d.metadata.namespace, undefined, `${d.kind}/${d.metadata.name}: the namespace comes from kustomization`);
  }

  const deploy = find(docs, 'Deployment', 'serendip');
  const pod = deploy.spec.template.spec;
  const [c] = pod.containers;
  // Selectors.
  for (const [k, v] of Object.entries(deploy.spec.selector.matchLabels)) assert.equal(deploy.spec.template.metadata.labels[k], v);
  const svc = find(docs, 'Service', 'serendip');
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(deploy.spec.template.metadata.labels[k], v, `service selector ${k}`);
  assert.ok(c.ports.some((p) => p.name === svc.spec.ports[0].targetPort && p.containerPort === 8080));
  const ing = find(docs, 'Ingress', 'serendip');
  assert.equal(ing.spec.rules[0].http.paths[0].backend.service.name, 'serendip');
  assert.equal(ing.spec.rules[0].http.paths[0].backend.service.port.name, svc.spec.ports[0].name);
  // Three stateless replicas (state in Redis, durable data in PostgreSQL), rolled one at a time
  // without dropping below the count.
  assert.equal(deploy.spec.replicas, 3);
  assert.equal(deploy.spec.strategy.type, 'RollingUpdate');
  assert.equal(deploy.spec.strategy.rollingUpdate.maxUnavailable, 0);
  // Probes: the server's own endpoints (answered by the next test). Readiness follows Redis,
  // liveness must not (a Redis outage would restart every pod).
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.startupProbe.httpGet.path, '/healthz');
  // preStop (leave the endpoints), then the drain (drain-grace-ms, 10 s by default, at most 2 s
  // to close and 1.5 s to leave the Redis cluster), fit in the grace period with a margin.
  const preStop = c.lifecycle.preStop.exec.command;
  assert.equal(preStop[0], 'sleep');
  assert.ok(pod.terminationGracePeriodSeconds * 1000 >= Number(preStop[1]) * 1000 + 10000 + 2000 + 1500 + 5000);
  // Hardening, and the image's user.
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 10001);
  assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
  // Stateless: no volume for the image's SQLite file, no claim.
  assert.ok(!c.volumeMounts.some((m) => m.mountPath === '/var/lib/serendip'), 'no local database volume');
  assert.ok(!pod.volumes.some((v) => v.persistentVolumeClaim), 'no PersistentVolumeClaim mounted');
  assert.ok(!docs.some((d) => d.kind === 'PersistentVolumeClaim'), 'no PersistentVolumeClaim');
  // Settings: the ConfigMap's keys are server settings; secrets come from serendip-secrets.
  const config = find(docs, 'ConfigMap', 'serendip-config');
  assert.equal(c.envFrom[0].configMapRef.name, config.metadata.name);
  assert.equal(config.data.SERENDIP_SAME_DEVICE_MATCH, 'false');
  const secretKeys = c.env.map((e) => e.valueFrom.secretKeyRef);
  for (const k of secretKeys) assert.equal(k.name, 'serendip-secrets');
  const required = secretKeys.filter((k) => !k.optional).map((k) => k.key).sort();
  assert.deepEqual(required, ['audit-key', 'database-url', 'jwt-secret', 'redis-url', 'turn-secret']);
  const envFromSecret = (key) => c.env.find((e) => e.valueFrom.secretKeyRef.key === key).name;
  assert.equal(envFromSecret('database-url'), 'SERENDIP_DATABASE_URL');
  assert.equal(envFromSecret('audit-key'), 'SERENDIP_AUDIT_KEY');
  assert.equal(envFromSecret('redis-url'), 'SERENDIP_REDIS_URL');

  // Autoscaling: CPU at 70 % of the request, from the Deployment's count up; the connection
  // gauge documented as a custom-metric option.
  const hpa = find(docs, 'HorizontalPodAutoscaler', 'serendip');
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deploy.metadata.name });
  assert.equal(hpa.spec.minReplicas, deploy.spec.replicas);
  assert.ok(hpa.spec.maxReplicas > hpa.spec.minReplicas);
  const cpu = hpa.spec.metrics.find((m) => m.type === 'Resource' && m.resource.name === 'cpu');
  assert.deepEqual(cpu.resource.target, { type: 'Utilization', averageUtilization: 70 });
  assert.ok(c.resources.requests.cpu, 'a CPU request for the utilization to be a share of');
  assert.match(read('deploy/k8s/scaling.yaml'), /#\s+name: serendip_ws_connections/, 'the custom-metric option');
  assert.ok(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds >= 300, 'slow scale-down');
  // One pod at a time out for voluntary disruptions, selecting the Deployment's pods.
  const pdb = find(docs, 'PodDisruptionBudget', 'serendip');
  assert.equal(pdb.apiVersion, 'policy/v1');
  assert.equal(pdb.spec.maxUnavailable, 1);
  assert.deepEqual(pdb.spec.selector.matchLabels, deploy.spec.selector.matchLabels);

  // coturn: the same TURN secret key, mounted where the image reads it; ports from its configuration.
  const turn = find(docs, 'DaemonSet', 'coturn');
  const tpod = turn.spec.template.spec;
  const [tc] = tpod.containers;
  assert.equal(tpod.hostNetwork, true);
  assert.equal(tpod.securityContext.runAsUser, 10002);
  const secretVol = tpod.volumes.find((v) => v.secret?.secretName === 'serendip-secrets');
  assert.deepEqual(secretVol.secret.items, [{ key: 'turn-secret', path: 'turn_secret' }]);
  // A directory mount (a subPath mount never sees a rotated secret), named by TURN_SECRET_FILE.
  const secretMount = tc.volumeMounts.find((m) => m.name === secretVol.name);
  assert.ok(secretMount && !secretMount.subPath, 'the TURN secret is a directory mount');
  assert.equal(tc.env.find((e) => e.name === 'TURN_SECRET_FILE').value, `${secretMount.mountPath}/turn_secret`);
  const configVol = tpod.volumes.find((v) => v.configMap?.name === 'coturn-config');
  const configMount = tc.volumeMounts.find((m) => m.name === configVol.name).mountPath;
  assert.equal(tc.env.find((e) => e.name === 'TURN_CONFIG').value, `${configMount}/turnserver.prod.conf`);
  const conf = read('deploy/coturn/turnserver.prod.conf');
  assert.deepEqual(tc.ports.map((p) => `${p.containerPort}/${p.protocol}`).sort(),
    [`${/^listening-port=(\d+)/m.exec(conf)[1]}/TCP`, `${/^listening-port=(\d+)/m.exec(conf)[1]}/UDP`, `${/^tls-listening-port=(\d+)/m.exec(conf)[1]}/TCP`].sort());
  const tlsDir = path.dirname(/^cert=(.+)$/m.exec(conf)[1]);
  assert.ok(tc.volumeMounts.some((m) => m.mountPath === tlsDir), `TLS mounted at ${tlsDir}`);
  for (const a of ['--pidfile=/tmp/turnserver.pid', '--userdb=/tmp/turndb']) assert.ok(tc.args.includes(a), a);
  assert.ok(tc.volumeMounts.some((m) => m.mountPath === '/tmp'));

  // /metrics on its own port (metrics-listen), which the Service (and so the ingress) does not
  // carry; Prometheus scrapes that port.
  const metricsPort = c.ports.find((p) => p.name === 'metrics');
  assert.ok(metricsPort, 'a container port named metrics');
  assert.equal(config.data.SERENDIP_METRICS_LISTEN, `0.0.0.0:${metricsPort.containerPort}`);
  assert.equal(deploy.spec.template.metadata.annotations['prometheus.io/port'], String(metricsPort.containerPort));
  assert.ok(!svc.spec.ports.some((p) => p.targetPort === 'metrics' || p.targetPort === metricsPort.containerPort),
    'the Service does not expose the metrics port');
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) assert.equal(probe.httpGet.port, 'http');

  // NetworkPolicy: the signaling pods take 8080 from the ingress controller only (whose
  // X-Forwarded-For is trusted), 9090 from Prometheus only; out, DNS, PostgreSQL and Redis.
  const np = find(docs, 'NetworkPolicy', 'serendip');
  for (const [k, v] of Object.entries(np.spec.podSelector.matchLabels)) assert.equal(deploy.spec.template.metadata.labels[k], v, `policy selector ${k}`);
  assert.deepEqual([...np.spec.policyTypes].sort(), ['Egress', 'Ingress']);
  const portsIn = np.spec.ingress.flatMap((r) => r.ports.map((p) => p.port)).sort();
  assert.deepEqual(portsIn, ['http', 'metrics'], 'exactly the two named ports come in');
  for (const rule of np.spec.ingress) {
    assert.ok(rule.from?.length > 0, 'no ingress rule open to everyone');
    for (const f of rule.from) assert.ok(f.podSelector && f.namespaceSelector, 'a peer is a set of pods in a namespace, not a range');
  }
  const httpRule = np.spec.ingress.find((r) => r.ports.some((p) => p.port === 'http'));
  assert.equal(httpRule.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], 'ingress-nginx');
  assert.equal(ing.spec.ingressClassName, 'nginx');
  for (const rule of np.spec.egress) assert.ok(rule.to?.length > 0 && rule.ports?.length > 0, 'every egress rule names peers and ports');
  assert.deepEqual(np.spec.egress.flatMap((r) => r.ports.map((p) => p.port)).sort((a, b) => a - b), [53, 53, 5432, 6379]);

  // docs/deploy.md tells how to create every secret key the manifests read.
  const doc = read('docs/deploy.md');
  for (const k of [...secretKeys.map((s) => s.key), ...secretVol.secret.items.map((i) => i.key)]) {
    assert.ok(doc.includes(k), `docs/deploy.md does not mention secret key ${k}`);
  }
  for (const name of ['serendip-tls', 'coturn-tls', 'serendip-secrets']) assert.ok(doc.includes(name), `docs/deploy.md: ${name}`);
  for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'metrics-listen']) assert.ok(doc.includes(kind), `docs/deploy.md: ${kind}`);
});

test('the probes the manifests use answer 200 on a real server', async () => {
  await withServer({ label: 'deploy-probes' }, async (s) => {
    for (const p of ['/healthz', '/readyz', '/metrics']) {
      const res = await request(s, 'GET', p);
      assert.equal(res.status, 200, `${p}: ${res.status}`);
    }
    // The HPA's custom-metric option names a gauge the server exports.
    const metrics = (await request(s, 'GET', '/metrics')).text;
    for (const [, name] of read('deploy/k8s/scaling.yaml').matchAll(/\b(serendip_[a-z_]+)/g)) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} gauge$`, 'm'), `${name} (scaling.yaml) is a gauge of the server`);
    }
  });
});
