// Scale-out: a standalone Redis failing over behind one address, as a managed
// service's primary endpoint (or a Service in front of an operator's Redis)
// does: the replica is promoted, the old primary becomes its replica and keeps
// running, and the address leads new connections to the new primary while
// connections already made stay on the old one. Every write on them is
// answered READONLY. The instances must notice, reconnect and go on matching,
// without a restart.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { closeAllClients, helloed, joinMsg } from './client.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate, freePort, startServer } from './server.mjs';
import { request, uniqueLang, waitFor } from './util.mjs';

// A TCP forwarder whose target can change: new connections go to the current
// target, connections already made stay where they were (as with a DNS name
// or a virtual IP that moved).
async function switchableProxy(targetPort) {
  const proxy = { target: targetPort, sockets: new Set() };
  const server = net.createServer((client) => {
    const upstream = net.connect(proxy.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  proxy.port = await freePort();
  await new Promise((resolve) => server.listen(proxy.port, '127.0.0.1', resolve));
  proxy.close = () =>
    new Promise((resolve) => {
      for (const s of proxy.sockets) s.destroy();
      server.close(resolve);
    });
  return proxy;
}

async function crossMatch(A, B, tag) {
  const lang = uniqueLang();
  const a = await helloed(A, { label: `a@A-${tag}` });
  const b = await helloed(B, { label: `b@B-${tag}` });
  a.send(joinMsg(lang));
  const qa = await a.next(['queued', 'error'], 5000);
  if (qa.type === 'error') return false;
  b.send(joinMsg(lang));
  const mb = await b.next(['matched', 'error'], 5000);
  if (mb.type !== 'matched') return false;
  const ma = await a.next('matched', 3000);
  assert.equal(ma.sessionId, mb.sessionId);
  const [offerer, answerer] = ma.role === 'offerer' ? [a, b] : [b, a];
  offerer.send({ type: 'offer', sessionId: ma.sessionId, sdp: `v=0 ${tag}` });
  assert.equal((await answerer.next('offer', 3000)).sdp, `v=0 ${tag}`);
  await closeAllClients();
  return true;
}

test('a standalone Redis failing over behind one address: writes answered READONLY make the instances reconnect, and matching goes on without a restart', async () => {
  const first = await RedisServer.start();
  const second = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(first.port)] });
  const proxy = await switchableProxy(first.port);
  const instances = [];
  try {
    const env = { SERENDIP_REDIS_URL: `redis://127.0.0.1:${proxy.port}` };
    for (const label of ['failover-a', 'failover-b']) instances.push(await startServer({ label, env }));
    const [A, B] = instances;
    for (const s of instances) {
      assert.ok(await waitFor(async () => (await request(s, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 }));
    }
    assert.ok(await crossMatch(A, B, 'before'), 'matched before the failover');
    assert.ok(
      await waitFor(() => second.lines('INFO', 'replication').some((l) => l.startsWith('master_link_status:up')), {
        timeoutMs: 8000,
      }),
      'the replica follows',
    );

    // The failover: the replica is promoted, the old primary follows it, and the
    // address now leads to the new primary. The instances' connections stay on the old one.
    second.lines('REPLICAOF', 'NO', 'ONE');
    first.lines('REPLICAOF', '127.0.0.1', String(second.port));
    proxy.target = second.port;

    // Matching across the instances comes back by itself.
    let matched = false;
    const deadline = Date.now() + 15_000;
    for (let i = 0; !matched && Date.now() < deadline; i++) {
      matched = await crossMatch(A, B, `after${i}`).catch(() => false);
      await closeAllClients();
    }
    assert.ok(matched, 'matched again within 15 s of the failover');
    for (const s of instances) {
      const metrics = (await request(s, 'GET', '/metrics')).text;
      assert.match(metrics, /^serendip_redis_readonly_total [1-9]/m, `${s.label} met READONLY and acted on it`);
      assert.ok(await waitFor(async () => (await request(s, 'GET', '/readyz')).status === 200, { timeoutMs: 8000 }));
      assert.ok(s.jsonLogs().some((l) => l.event === 'node_is_replica'), `${s.label} logged node_is_replica`);
    }
    // Both instances beat on the new primary: each sees two live instances there.
    assert.ok(await waitFor(() => Number(second.lines('ZCARD', '{serendip}:instances')[0]) === 2, { timeoutMs: 5000 }));
  } catch (e) {
    throw annotate(e, ...instances);
  } finally {
    await closeAllClients();
    for (const s of instances) if (!s.exit) await s.stop();
    await proxy.close();
    await second.stop();
    await first.stop();
  }
});
