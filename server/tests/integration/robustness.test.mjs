// Many concurrent sockets: connect + hello + join + leave, then the server is still healthy.
import assert from 'node:assert/strict';

import { connect, createSession, helloed, joinMsg, matchedPair } from './client.mjs';
import { useServer } from './server.mjs';
import { describeResponse, request, sleep, uniqueLang } from './util.mjs';

const srv = useServer({ label: 'robustness' });
const N = 200;

srv.test(`${N} concurrent sockets connect, hello, join and leave cleanly; the server stays healthy`, async (s) => {
  const lang = uniqueLang();
  const t0 = Date.now();
  // Each simulated user comes from its own loopback address (127.0.2.x).
  const sessions = await Promise.all(
    Array.from({ length: N }, (_, i) => createSession(s, { localAddress: `127.0.2.${10 + i}` })),
  );
  const clients = await Promise.all(
    sessions.map((sess, i) => connect(s, { localAddress: `127.0.2.${10 + i}`, label: `u${i}` })),
  );
  clients.forEach((c, i) => c.send({ type: 'hello', token: sessions[i].token, id: 1 }));
  const welcomes = await Promise.all(clients.map((c) => c.next(['welcome', 'error'], 10000)));
  welcomes.forEach((w, i) => assert.equal(w.type, 'welcome', `u${i}: ${JSON.stringify(w)}`));
  clients.forEach((c) => c.send(joinMsg(lang, { id: 2 })));
  const queued = await Promise.all(clients.map((c) => c.next((m) => m.re === 2, 10000)));
  queued.forEach((q, i) => assert.equal(q.type, 'queued', `u${i}: ${JSON.stringify(q)}`));
  clients.forEach((c) => c.send({ type: 'leave', id: 3 }));
  const left = await Promise.all(clients.map((c) => c.next((m) => m.re === 3, 10000)));
  left.forEach((l, i) => assert.equal(l.type, 'left', `u${i}: ${JSON.stringify(l)}`));
  // Consistency: every matched socket got its peer_left (leave) unless it left first, and no
  // socket was matched twice.
  let matched = 0;
  for (const c of clients) {
    const m = c.received.filter((x) => x.type === 'matched');
    assert.ok(m.length <= 1, `${c.label} matched ${m.length} times: ${c.history()}`);
    matched += m.length;
  }
  assert.equal(matched % 2, 0, `${matched} matched messages is odd`);
  await Promise.all(clients.map((c) => c.close(1000)));
  for (const c of clients) assert.equal(c.closeInfo.code, 1000, c.history());
  const elapsed = Date.now() - t0;

  const health = await request(s, 'GET', '/healthz');
  assert.equal(health.status, 200, describeResponse(health));
  const ready = await request(s, 'GET', '/readyz');
  assert.equal(ready.status, 200, describeResponse(ready));
  const metrics = await request(s, 'GET', '/metrics');
  assert.equal(metrics.status, 200);
  // And it still matches people.
  const p = await matchedPair(s, uniqueLang());
  assert.ok(p.sessionId);
  assert.ok(elapsed < 30000, `took ${elapsed} ms`);
});

srv.test('abrupt disconnects of 100 sockets in all states leave the server healthy', async (s) => {
  const lang = uniqueLang();
  const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => helloed(s, { localAddress: `127.0.3.${10 + i}`, label: `v${i}` })));
  clients.forEach((c, i) => {
    if (i % 3 !== 0) c.send(joinMsg(lang));
  });
  await Promise.all(clients.map((c, i) => (i % 3 !== 0 ? c.next('queued', 10000) : null)));
  // some half-open sockets that never say hello
  const raw = await Promise.all(Array.from({ length: 20 }, () => connect(s)));
  for (const c of [...clients, ...raw]) c.terminate();
  await sleep(200); // let the server notice the resets
  const health = await request(s, 'GET', '/healthz');
  assert.equal(health.status, 200);
  const p = await matchedPair(s, lang);
  assert.ok(p.sessionId, 'nobody from the terminated sockets was matched with the new pair');
  assert.equal(p.ma.peer.languages[0], lang);
});
