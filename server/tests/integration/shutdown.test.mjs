// Graceful shutdown: SIGTERM -> not ready, draining to every socket, close 1001 after
// drain-grace-ms, exit 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { helloed, matchedPair } from './client.mjs';
import { annotate, startServer } from './server.mjs';
import { request, uniqueLang, waitFor, within } from './util.mjs';

const GRACE_MS = 1500;

test('SIGTERM: /readyz turns 503, sockets get draining then close 1001 after the grace period, exit code 0', async () => {
  const s = await startServer({ label: 'shutdown', flags: { 'drain-grace-ms': GRACE_MS } });
  try {
    const p = await matchedPair(s, uniqueLang());
    const idle = await helloed(s, { label: 'idle' });
    const clients = [p.a, p.b, idle];
    assert.equal((await request(s, 'GET', '/readyz')).status, 200);

    const t0 = Date.now();
    s.kill('SIGTERM');

    // /readyz reports not ready while draining (polled right after the signal).
    const statuses = [];
    let saw503 = false;
    while (Date.now() - t0 < 1000) {
      try {
        const res = await request(s, 'GET', '/readyz', { timeoutMs: 500 });
        statuses.push(res.status);
        if (res.status === 503) {
          saw503 = true;
          break;
        }
      } catch (e) {
        statuses.push(e.message);
      }
    }
    assert.ok(saw503, `/readyz during drain: ${JSON.stringify(statuses)}`);

    for (const c of clients) {
      const m = await c.next('draining', GRACE_MS);
      assert.equal(typeof m.reconnectAfterMs, 'number', JSON.stringify(m));
      assert.ok(m.reconnectAfterMs >= 0, JSON.stringify(m));
    }
    for (const c of clients) {
      const info = await c.closed(GRACE_MS + 4000);
      const at = info.at - t0;
      assert.equal(info.code, 1001, `${c.label}: ${c.history()}`);
      assert.ok(at >= GRACE_MS - 300, `${c.label} closed after ${at} ms, before the ${GRACE_MS} ms grace period`);
    }
    const exit = await within(s.exited, 5000);
    assert.notEqual(exit, 'timeout', `process still running ${Date.now() - t0} ms after SIGTERM`);
    assert.equal(exit.signal, null, `killed by signal ${exit.signal}`);
    assert.equal(exit.code, 0, `exit code ${exit.code}`);
  } catch (e) {
    throw annotate(e, s);
  } finally {
    await s.stop();
  }
});

test('SIGTERM with no connections exits 0 promptly', async () => {
  const s = await startServer({ label: 'shutdown-empty', flags: { 'drain-grace-ms': GRACE_MS } });
  try {
    const t0 = Date.now();
    s.kill('SIGTERM');
    const exit = await within(s.exited, GRACE_MS + 5000);
    assert.notEqual(exit, 'timeout', `process still running ${Date.now() - t0} ms after SIGTERM`);
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
  } catch (e) {
    throw annotate(e, s);
  } finally {
    await s.stop();
  }
});

test('a second signal during the drain (Ctrl-C twice) stops at once, calls in progress or not', async () => {
  const s = await startServer({ label: 'shutdown-twice', flags: { 'drain-grace-ms': 60_000 } });
  try {
    const p = await matchedPair(s, uniqueLang());
    s.kill('SIGINT');
    await p.a.next('draining', 3000);
    const draining = () => s.jsonLogs().find((l) => l.event === 'draining');
    assert.ok(await waitFor(() => draining() !== undefined, { timeoutMs: 2000 }), 'draining logged');
    assert.match(draining().hint, /second signal/, 'the draining line says how to stop at once');
    const t0 = Date.now();
    s.kill('SIGINT');
    const exit = await within(s.exited, 5000);
    assert.notEqual(exit, 'timeout', `process still running ${Date.now() - t0} ms after the second signal (grace 60 s)`);
    assert.equal(exit.signal, null, `killed by signal ${exit.signal}`);
    assert.ok(await waitFor(() => s.jsonLogs().some((l) => l.event === 'second_signal_stopping_now'), { timeoutMs: 2000 }));
  } catch (e) {
    throw annotate(e, s);
  } finally {
    await s.stop();
  }
});
