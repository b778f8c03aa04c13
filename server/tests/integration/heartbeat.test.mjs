// Heartbeat: the server pings every ping-interval-ms and closes sockets that show no
// sign of life (no frame, no pong) for dead-after-ms.
import assert from 'node:assert/strict';

import { helloed, matchedPair } from './client.mjs';
import { useServer } from './server.mjs';
import { sleep, uniqueLang } from './util.mjs';

const PING_MS = 500;
const DEAD_MS = 1500;
const srv = useServer({ label: 'heartbeat', flags: { 'ping-interval-ms': PING_MS, 'dead-after-ms': DEAD_MS } });

srv.test('a client that stops answering pings is closed and its peer gets peer_left disconnect; healthy idle clients stay', async (s) => {
  const lang = uniqueLang();
  const silent = await helloed(s, { autoPong: false, label: 'silent' });
  const peer = await helloed(s, { label: 'peer' });
  const idle = await helloed(s, { label: 'idle' }); // never sends anything after hello, answers pings
  await matchedPair(s, lang, { a: silent, b: peer });
  const t0 = Date.now();
  const pl = await peer.next('peer_left', PING_MS + DEAD_MS + 2500);
  const elapsed = Date.now() - t0;
  assert.equal(pl.reason, 'disconnect', JSON.stringify(pl));
  assert.ok(elapsed <= PING_MS + DEAD_MS + 1500, `peer told after ${elapsed} ms`);
  assert.ok(silent.pings >= 1, `the server sent ${silent.pings} pings`);
  await silent.closed(2000).catch(() => {
    /* the server may drop the TCP connection without a close frame */
  });
  assert.ok(!silent.isOpen, 'the silent client is disconnected');
  // Over the same span the idle (but ponging) clients stay connected.
  await sleep(Math.max(0, PING_MS + DEAD_MS + 1000 - (Date.now() - t0)));
  assert.ok(idle.isOpen, `idle client was closed: ${idle.history()}`);
  assert.ok(peer.isOpen, `peer was closed: ${peer.history()}`);
  assert.ok(idle.pings >= 2, `idle client got ${idle.pings} pings over ${Date.now() - t0} ms with ping-interval-ms=${PING_MS}`);
});

srv.test('a client that stops answering pings is closed even while queued or idle', async (s) => {
  const silentIdle = await helloed(s, { autoPong: false, label: 'silent-idle' });
  const silentQueued = await helloed(s, { autoPong: false, label: 'silent-queued' });
  silentQueued.send({ type: 'join', mode: 'video', languages: [uniqueLang()] });
  await silentQueued.next('queued');
  const t0 = Date.now();
  await Promise.all(
    [silentIdle, silentQueued].map((c) =>
      c.closed(PING_MS + DEAD_MS + 3000).catch(() => {
        throw new Error(`${c.label} still open after ${Date.now() - t0} ms\n  ${c.history()}`);
      }),
    ),
  );
});
