// Contract section 5 (/healthz, /readyz, /metrics) and the ice_result metrics of section 3.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { matchedPair } from './client.mjs';
import { annotate, startServer, useServer } from './server.mjs';
import { describeResponse, parseMetrics, request, sampleKey, uniqueLang, waitFor } from './util.mjs';

const srv = useServer({ label: 'health-metrics' });

srv.test('GET /healthz is 200', async (s) => {
  const res = await request(s, 'GET', '/healthz');
  assert.equal(res.status, 200, describeResponse(res));
});

srv.test('GET /readyz is 200 when ready', async (s) => {
  const res = await request(s, 'GET', '/readyz');
  assert.equal(res.status, 200, describeResponse(res));
});

srv.test('GET /metrics is Prometheus text with # TYPE lines and parseable samples', async (s) => {
  const res = await request(s, 'GET', '/metrics');
  assert.equal(res.status, 200, describeResponse(res));
  assert.match(String(res.headers['content-type']), /^text\/plain/, `content-type ${res.headers['content-type']}`);
  const typeLines = res.text.split('\n').filter((l) => l.startsWith('# TYPE '));
  assert.ok(typeLines.length > 0, `no # TYPE lines in:\n${res.text.slice(0, 500)}`);
  for (const l of typeLines) assert.match(l, /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/, l);
  const samples = parseMetrics(res.text);
  assert.ok(samples.length > 0);
  for (const smp of samples) assert.ok(!Number.isNaN(smp.value), `unparseable value: ${smp.line}`);
  assert.ok(res.text.endsWith('\n'), 'exposition ends with a newline');
});

function iceSamples(text) {
  return parseMetrics(text).filter((x) => /ice/i.test(x.name));
}

function sumWhere(samples, pred) {
  return samples.filter(pred).reduce((acc, x) => acc + x.value, 0);
}

const hasLabelValue = (re) => (x) => Object.values(x.labels).some((v) => re.test(v));

srv.test('ice_result messages increase the ICE outcome and candidate type counters in /metrics', async (s) => {
  const before = iceSamples((await request(s, 'GET', '/metrics')).text);
  const p = await matchedPair(s, uniqueLang());
  p.a.send({ type: 'ice_result', sessionId: p.sessionId, connected: true, candidateType: 'relay', timeToConnectMs: 300 });
  p.b.send({ type: 'ice_result', sessionId: p.sessionId, connected: false });
  const connectedBefore = sumWhere(before, hasLabelValue(/^(connected|success|succeeded|ok)$/));
  const failedBefore = sumWhere(before, hasLabelValue(/^(failed|failure|disconnected)$/));
  const relayBefore = sumWhere(before, hasLabelValue(/^relay$/));
  let after;
  const ok = await waitFor(async () => {
    after = iceSamples((await request(s, 'GET', '/metrics')).text);
    return (
      sumWhere(after, hasLabelValue(/^(connected|success|succeeded|ok)$/)) >= connectedBefore + 1 &&
      sumWhere(after, hasLabelValue(/^(failed|failure|disconnected)$/)) >= failedBefore + 1 &&
      sumWhere(after, hasLabelValue(/^relay$/)) >= relayBefore + 1
    );
  });
  const show = (arr) => arr.map((x) => `${sampleKey(x)} ${x.value}`).join('\n    ') || '(no metric with "ice" in its name)';
  assert.ok(ok, `ICE counters did not increase.\n  before:\n    ${show(before)}\n  after:\n    ${show(after)}`);
  // The names the server documents.
  const get = (arr, name, labels) =>
    arr.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)).reduce((a, x) => a + x.value, 0);
  assert.equal(
    get(after, 'serendip_ice_results_total', { outcome: 'connected' }),
    get(before, 'serendip_ice_results_total', { outcome: 'connected' }) + 1,
    `serendip_ice_results_total{outcome="connected"}\n    ${show(after)}`,
  );
  assert.equal(
    get(after, 'serendip_ice_results_total', { outcome: 'failed' }),
    get(before, 'serendip_ice_results_total', { outcome: 'failed' }) + 1,
    `serendip_ice_results_total{outcome="failed"}\n    ${show(after)}`,
  );
  assert.equal(
    get(after, 'serendip_ice_candidate_type_total', { type: 'relay' }),
    get(before, 'serendip_ice_candidate_type_total', { type: 'relay' }) + 1,
    `serendip_ice_candidate_type_total{type="relay"}\n    ${show(after)}`,
  );
});

srv.test('ice_result with missing or wrongly typed fields is a bad_request', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const cases = [
    ['missing connected', { sessionId: p.sessionId }],
    ['connected not a bool', { sessionId: p.sessionId, connected: 'yes' }],
    ['unknown candidateType', { sessionId: p.sessionId, connected: true, candidateType: 'carrier-pigeon' }],
    ['missing sessionId', { connected: true }],
  ];
  let id = 300;
  for (const [what, fields] of cases) {
    p.a.send({ type: 'ice_result', ...fields, id: ++id });
    const m = await p.a.next('error');
    assert.equal(m.code, 'bad_request', `${what}: ${JSON.stringify(m)}`);
    assert.equal(m.re, id, `${what}: ${JSON.stringify(m)}`);
  }
});

// metrics-listen: /metrics on an address of its own, so an edge that forwards the public
// listener (the Kubernetes ingress) never serves it.
test('with metrics-listen, /metrics is served there only (404 on the public listener); probes answer on both', async () => {
  const s = await startServer({ label: 'metrics-listen', flags: { 'metrics-listen': '127.0.0.1:0' } });
  try {
    const line = await waitFor(() => s.lines.find((l) => l.includes('"metrics_listening"')), { timeoutMs: 5000 });
    const port = Number(/"port":(\d+)/.exec(line)[1]);
    assert.ok(port > 0 && port !== s.port, line);
    const internal = { host: '127.0.0.1', port };

    const pub = await request(s, 'GET', '/metrics');
    assert.equal(pub.status, 404, describeResponse(pub));
    assert.equal(pub.json?.error?.code, 'not_found');
    assert.ok(!pub.text.includes('serendip_'), 'no metric on the public listener');

    const m = await request(internal, 'GET', '/metrics');
    assert.equal(m.status, 200, describeResponse(m));
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.ok(parseMetrics(m.text).filter((x) => x.name.startsWith('serendip_')).length > 10, 'Prometheus samples');
    for (const path of ['/healthz', '/readyz']) {
      assert.equal((await request(internal, 'GET', path)).status, 200, `${path} on the metrics listener`);
      assert.equal((await request(s, 'GET', path)).status, 200, `${path} on the public listener`);
    }
    // Nothing else is served there: not the API, not the app.
    for (const path of ['/api/v1/turn-credentials', '/', '/index.html', '/ws']) {
      const r = await request(internal, 'GET', path);
      assert.equal(r.status, 404, `${path} on the metrics listener: ${describeResponse(r)}`);
    }
    const session = await request(internal, 'POST', '/api/v1/session', { json: { deviceId: 'metrics-listener-0001' } });
    assert.equal(session.status, 404, describeResponse(session));
  } catch (e) {
    throw annotate(e, s);
  } finally {
    await s.stop();
  }
});
