// Contract section 3: join, queued, matched, next, leave, and the matching rules
// (mode, language, region with widening, shared interests, FIFO, repeat-pair cooldown).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { helloed, joinMsg, matchedPair } from './client.mjs';
import { useServer, withServer } from './server.mjs';
import { sleep, uniqueLang } from './util.mjs';

const WIDEN_MS = 1000;
const COOLDOWN_MS = 1500;
const srv = useServer({
  label: 'matchmaking',
  flags: { 'widen-region-after-ms': WIDEN_MS, 'repeat-pair-cooldown-ms': COOLDOWN_MS },
});

function assertMatchedShape(m) {
  assert.equal(typeof m.sessionId, 'string', JSON.stringify(m));
  assert.ok(m.sessionId.length > 0);
  assert.ok(['offerer', 'answerer'].includes(m.role), JSON.stringify(m));
  assert.ok(m.peer && typeof m.peer === 'object', `peer object: ${JSON.stringify(m)}`);
  assert.ok(Array.isArray(m.peer.languages), `peer.languages: ${JSON.stringify(m.peer)}`);
  assert.ok('region' in m.peer, `peer.region present: ${JSON.stringify(m.peer)}`);
  assert.ok(Array.isArray(m.peer.commonInterests), `peer.commonInterests: ${JSON.stringify(m.peer)}`);
}

const badJoins = [
  ['missing mode', { languages: ['en'] }],
  ['unknown mode', { mode: 'audio', languages: ['en'] }],
  ['mode not a string', { mode: 1, languages: ['en'] }],
  ['missing languages', { mode: 'video' }],
  ['empty languages', { mode: 'video', languages: [] }],
  ['six languages', { mode: 'video', languages: ['en', 'de', 'fr', 'es', 'it', 'pt'] }],
  ['languages not an array', { mode: 'video', languages: 'en' }],
  ['a language not a string', { mode: 'video', languages: [7] }],
  ['region not a string', { mode: 'video', languages: ['en'], region: 5 }],
  ['interests not an array', { mode: 'video', languages: ['en'], interests: 'music' }],
  ['eleven interests', { mode: 'video', languages: ['en'], interests: 'a b c d e f g h i j k'.split(' ').map((x) => `tag${x}`) }],
  ['an interest not a string', { mode: 'video', languages: ['en'], interests: [{}] }],
];

srv.test('join with missing or wrongly typed fields is answered with error bad_request echoing re', async (s) => {
  const c = await helloed(s);
  let id = 100;
  for (const [what, fields] of badJoins) {
    id++;
    c.send({ type: 'join', ...fields, id });
    const m = await c.next(['error', 'queued', 'matched']);
    assert.equal(m.type, 'error', `${what}: ${JSON.stringify(m)}`);
    assert.equal(m.code, 'bad_request', `${what}: ${JSON.stringify(m)}`);
    assert.equal(m.re, id, `${what}: re should echo id ${id}: ${JSON.stringify(m)}`);
    assert.equal(typeof m.message, 'string', `${what}: error message: ${JSON.stringify(m)}`);
  }
  assert.ok(c.isOpen, 'socket stays open after bad joins');
  c.send(joinMsg(uniqueLang(), { id: 999 }));
  const q = await c.next(['queued', 'error']);
  assert.equal(q.type, 'queued', JSON.stringify(q));
  assert.equal(q.re, 999);
});

srv.test('join is answered with queued echoing the id as re', async (s) => {
  const c = await helloed(s);
  c.send(joinMsg(uniqueLang(), { id: 7, region: 'EU', interests: ['music'] }));
  const q = await c.next();
  assert.equal(q.type, 'queued', JSON.stringify(q));
  assert.equal(q.re, 7);
  if ('estimatedWaitMs' in q && q.estimatedWaitMs !== null) {
    assert.equal(typeof q.estimatedWaitMs, 'number', JSON.stringify(q));
    assert.ok(q.estimatedWaitMs >= 0);
  }
});

srv.test('two compatible users are matched: same sessionId, one offerer and one answerer, peer info', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A' });
  const b = await helloed(s, { label: 'B' });
  a.send(joinMsg(lang, { region: 'EU', interests: ['music', 'art', 'chess'] }));
  await a.next('queued');
  b.send(joinMsg(lang, { languages: [lang, 'eo'], region: 'EU', interests: ['golf', 'art', 'music'] }));
  const mb = await b.next('matched');
  const ma = await a.next('matched');
  assertMatchedShape(ma);
  assertMatchedShape(mb);
  assert.equal(ma.sessionId, mb.sessionId);
  assert.deepEqual([ma.role, mb.role].sort(), ['answerer', 'offerer']);
  assert.deepEqual(ma.peer.languages, [lang, 'eo'], `A learns B's languages: ${JSON.stringify(ma.peer)}`);
  assert.deepEqual(mb.peer.languages, [lang], `B learns A's languages: ${JSON.stringify(mb.peer)}`);
  assert.equal(String(ma.peer.region).toUpperCase(), 'EU', `region tags compare case-insensitively: ${JSON.stringify(ma.peer)}`);
  assert.equal(String(mb.peer.region).toUpperCase(), 'EU', JSON.stringify(mb.peer));
  assert.deepEqual([...ma.peer.commonInterests].sort(), ['art', 'music']);
  assert.deepEqual([...mb.peer.commonInterests].sort(), ['art', 'music']);
  // Strangers stay anonymous: neither learns the other's user id, device hash or device id.
  for (const [m, other] of [[ma, b], [mb, a]]) {
    const text = JSON.stringify(m);
    for (const secret of [other.claims.sub, other.claims.did, other.deviceId, other.token]) {
      assert.ok(!text.includes(secret), `matched message leaks ${secret}: ${text}`);
    }
  }
});

srv.test('users of different modes are not matched', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A-video' });
  const b = await helloed(s, { label: 'B-text' });
  a.send(joinMsg(lang, { mode: 'video' }));
  await a.next('queued');
  b.send(joinMsg(lang, { mode: 'text' }));
  await b.next('queued');
  await Promise.all([a.expectNone('matched', 500), b.expectNone('matched', 0)]);
  // control: a second text user in the same language is matched with B
  const c = await helloed(s, { label: 'C-text' });
  c.send(joinMsg(lang, { mode: 'text' }));
  const mc = await c.next('matched');
  const mb = await b.next('matched');
  assert.equal(mb.sessionId, mc.sessionId);
  await a.expectNone('matched', 0);
});

srv.test('users without a common language are not matched', async (s) => {
  const l1 = uniqueLang();
  const l2 = uniqueLang();
  const a = await helloed(s, { label: 'A' });
  const b = await helloed(s, { label: 'B' });
  a.send(joinMsg(l1));
  await a.next('queued');
  b.send(joinMsg(l2));
  await b.next('queued');
  await a.expectNone('matched', 500);
  await b.expectNone('matched', 0);
});

srv.test('a shared second language is enough to be matched', async (s) => {
  const l1 = uniqueLang();
  const l2 = uniqueLang();
  const { ma, mb } = await matchedPair(s, l1, { joinA: { languages: [l1, l2] }, joinB: { languages: [l2] } });
  assert.equal(ma.sessionId, mb.sessionId);
});

srv.test(`different regions are matched only after widen-region-after-ms (${WIDEN_MS} ms)`, async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A-eu' });
  const b = await helloed(s, { label: 'B-us' });
  const t0 = Date.now();
  a.send(joinMsg(lang, { region: 'EU' }));
  await a.next('queued');
  b.send(joinMsg(lang, { region: 'US' }));
  await b.next('queued');
  await a.expectNone('matched', 500);
  await b.expectNone('matched', 0);
  const ma = await a.next('matched', 3000);
  const mb = await b.next('matched', 1000);
  const waited = ma.__at - t0;
  assert.equal(ma.sessionId, mb.sessionId);
  assert.ok(waited >= WIDEN_MS - 100, `matched after ${waited} ms, before widening at ${WIDEN_MS} ms`);
  assert.equal(String(ma.peer.region).toUpperCase(), 'US', JSON.stringify(ma.peer));
  assert.equal(String(mb.peer.region).toUpperCase(), 'EU', JSON.stringify(mb.peer));
});

srv.test('the same region is preferred over an older waiter from another region', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A-us-older' });
  const b = await helloed(s, { label: 'B-eu' });
  const c = await helloed(s, { label: 'C-eu' });
  a.send(joinMsg(lang, { region: 'US' }));
  await a.next('queued');
  b.send(joinMsg(lang, { region: 'EU' }));
  await b.next('queued');
  c.send(joinMsg(lang, { region: 'EU' }));
  const mc = await c.next('matched', 2000);
  const mb = await b.next('matched', 1000);
  assert.equal(mc.sessionId, mb.sessionId, 'C (eu) should be matched with B (eu), not the older A (us)');
  assert.equal(a.received.find((m) => m.type === 'matched'), undefined, a.history());
});

// A and B are kept apart by the repeat-pair cooldown (they were just paired), so both
// wait in the same bucket, and C's choice between them shows the ranking.
async function twoWaitersKeptApart(s, lang, interestsA, interestsB) {
  const { a, b } = await matchedPair(s, lang);
  a.send({ type: 'leave' });
  await a.next('left');
  await b.next('peer_left');
  a.send(joinMsg(lang, { interests: interestsA }));
  await a.next('queued');
  b.send(joinMsg(lang, { interests: interestsB }));
  await b.next('queued');
  assert.equal(a.queue.find((m) => m.type === 'matched'), undefined, `A and B re-paired within the cooldown\n  ${a.history()}`);
  return { a, b };
}

srv.test('among waiters, the one with more shared interests is preferred over an older one', async (s) => {
  const lang = uniqueLang();
  const { a, b } = await twoWaitersKeptApart(s, lang, ['music'], ['music', 'art', 'books']);
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang, { interests: ['books', 'art', 'music'] }));
  const mc = await c.next('matched', 2000);
  const mb = await b.next('matched', 1000);
  assert.equal(mc.sessionId, mb.sessionId, 'C should be matched with B (3 shared interests), not the older A (1)');
  assert.deepEqual([...mc.peer.commonInterests].sort(), ['art', 'books', 'music']);
  await a.expectNone('matched', 0);
});

srv.test('among equal waiters, the one who waited longest is matched first (FIFO)', async (s) => {
  const lang = uniqueLang();
  const { a, b } = await twoWaitersKeptApart(s, lang, ['music'], ['music']);
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang, { interests: ['music'] }));
  const mc = await c.next('matched', 2000);
  const ma = await a.next('matched', 1000);
  assert.equal(mc.sessionId, ma.sessionId, 'C should be matched with A, who waited longer');
  await b.expectNone('matched', 0);
});

srv.test('next: the peer gets peer_left next, the nexter gets queued and is matched with a third user', async (s) => {
  const lang = uniqueLang();
  const { a, b, sessionId } = await matchedPair(s, lang);
  a.send({ type: 'next', id: 31 });
  const q = await a.next(['queued', 'error']);
  assert.equal(q.type, 'queued', JSON.stringify(q));
  assert.equal(q.re, 31);
  const pl = await b.next('peer_left');
  assert.equal(pl.reason, 'next');
  assert.equal(pl.sessionId, sessionId);
  await a.expectNone('peer_left', 0);
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang));
  const mc = await c.next('matched');
  const ma = await a.next('matched');
  assert.equal(mc.sessionId, ma.sessionId);
  assert.notEqual(ma.sessionId, sessionId, 'a new session id for a new pair');
});

srv.test('leave in a session: the peer gets peer_left leave, the leaver gets left, neither is matched again', async (s) => {
  const lang = uniqueLang();
  const { a, b, sessionId } = await matchedPair(s, lang);
  a.send({ type: 'leave', id: 41 });
  const left = await a.next(['left', 'error']);
  assert.equal(left.type, 'left', JSON.stringify(left));
  assert.equal(left.re, 41);
  const pl = await b.next('peer_left');
  assert.equal(pl.reason, 'leave');
  assert.equal(pl.sessionId, sessionId);
  assert.ok(a.isOpen, 'leaver stays connected');
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang));
  await c.next('queued');
  await c.expectNone('matched', 500);
  await a.expectNone('matched', 0);
});

srv.test('leave while queued: the user leaves the queue and a later joiner stays queued', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A' });
  a.send(joinMsg(lang));
  await a.next('queued');
  a.send({ type: 'leave', id: 5 });
  const left = await a.next(['left', 'error']);
  assert.equal(left.type, 'left', JSON.stringify(left));
  const b = await helloed(s, { label: 'B' });
  b.send(joinMsg(lang));
  await b.next('queued');
  await b.expectNone('matched', 500);
  await a.expectNone('matched', 0);
});

srv.test('closing one socket: the peer gets peer_left disconnect and the departed user is never matched', async (s) => {
  const lang = uniqueLang();
  const { a, b, sessionId } = await matchedPair(s, lang);
  await a.close();
  const pl = await b.next('peer_left');
  assert.equal(pl.reason, 'disconnect');
  assert.equal(pl.sessionId, sessionId);
  b.send({ type: 'leave' });
  await b.next('left');
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang));
  await c.next('queued');
  await c.expectNone('matched', 500);
});

srv.test('a queued user who disconnects is never matched', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'A' });
  a.send(joinMsg(lang));
  await a.next('queued');
  a.terminate(); // abrupt: no close frame
  await sleep(100);
  const b = await helloed(s, { label: 'B' });
  b.send(joinMsg(lang));
  await b.next('queued');
  await b.expectNone('matched', 500);
});

srv.test(`the same two devices are not re-paired after next within the cooldown (${COOLDOWN_MS} ms), but are after it`, async (s) => {
  const lang = uniqueLang();
  const { a, b } = await matchedPair(s, lang);
  a.send({ type: 'next' });
  await a.next('queued');
  await b.next('peer_left');
  const tEnd = Date.now();
  b.send(joinMsg(lang));
  await b.next('queued');
  await a.expectNone('matched', 600);
  await b.expectNone('matched', 0);
  a.send({ type: 'leave' });
  b.send({ type: 'leave' });
  await a.next('left');
  await b.next('left');
  await sleep(Math.max(0, tEnd + COOLDOWN_MS + 500 - Date.now()));
  a.send(joinMsg(lang));
  await a.next('queued');
  b.send(joinMsg(lang));
  const mb = await b.next('matched', 2000);
  const ma = await a.next('matched', 1000);
  assert.equal(ma.sessionId, mb.sessionId);
});

srv.test('the cooldown follows the device: new tokens and sockets for the same device ids are not re-paired', async (s) => {
  const lang = uniqueLang();
  const { a, b } = await matchedPair(s, lang);
  await a.close();
  await b.close();
  const tEnd = Date.now();
  const a2 = await helloed(s, { deviceId: a.deviceId, label: 'A2' });
  const b2 = await helloed(s, { deviceId: b.deviceId, label: 'B2' });
  assert.equal(a2.claims.did, a.claims.did);
  a2.send(joinMsg(lang));
  await a2.next('queued');
  b2.send(joinMsg(lang));
  await b2.next('queued');
  await a2.expectNone('matched', 600);
  await b2.expectNone('matched', 0);
  a2.send({ type: 'leave' });
  b2.send({ type: 'leave' });
  await a2.next('left');
  await b2.next('left');
  await sleep(Math.max(0, tEnd + COOLDOWN_MS + 500 - Date.now()));
  a2.send(joinMsg(lang));
  await a2.next('queued');
  b2.send(joinMsg(lang));
  const mb = await b2.next('matched', 2000);
  const ma = await a2.next('matched', 1000);
  assert.equal(ma.sessionId, mb.sessionId);
});

srv.test('two sockets of one device (two tabs) are matched by default: talking to yourself on a laptop', async (s) => {
  const lang = uniqueLang();
  const a = await helloed(s, { label: 'tab1' });
  const b = await helloed(s, { deviceId: a.deviceId, label: 'tab2' }); // same device, own token
  a.send(joinMsg(lang));
  await a.next('queued');
  b.send(joinMsg(lang));
  const mb = await b.next('matched');
  const ma = await a.next('matched');
  assert.equal(ma.sessionId, mb.sessionId);
});

test('with same-device-match=false two tabs of one device are never matched, another device is', async () => {
  await withServer({ label: 'no-self-match', flags: { 'same-device-match': 'false' } }, async (s) => {
    const lang = uniqueLang();
    const a = await helloed(s, { label: 'tab1' });
    const b = await helloed(s, { deviceId: a.deviceId, label: 'tab2' });
    a.send(joinMsg(lang));
    await a.next('queued');
    b.send(joinMsg(lang));
    await b.next('queued');
    await a.expectNone('matched', 500);
    await b.expectNone('matched', 0);
    const c = await helloed(s, { label: 'other' });
    c.send(joinMsg(lang));
    const mc = await c.next('matched');
    const ma = await a.next('matched');
    assert.equal(ma.sessionId, mc.sessionId);
  });
});

srv.test('a different device is matched at once even while the cooldown keeps the old pair apart', async (s) => {
  const lang = uniqueLang();
  const { a, b } = await matchedPair(s, lang);
  a.send({ type: 'next' });
  await a.next('queued');
  await b.next('peer_left');
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang));
  const mc = await c.next('matched');
  const ma = await a.next('matched');
  assert.equal(mc.sessionId, ma.sessionId);
});
