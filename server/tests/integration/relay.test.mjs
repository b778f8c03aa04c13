// Contract section 3: offer/answer/ice relay, session checks, size limits, malformed
// frames and per-socket rate limiting.
import assert from 'node:assert/strict';

import { helloed, joinMsg, matchedPair } from './client.mjs';
import { useServer } from './server.mjs';
import { sleep, uniqueLang } from './util.mjs';

const srv = useServer({ label: 'relay' }); // default limits: sdp 16 KiB, candidate 1 KiB, frame 32 KiB, 50/s burst 100

const BOGUS_SESSION = '0123456789abcdef0123456789abcdef';
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n';
const CANDIDATE = {
  candidate: 'candidate:842163049 1 udp 1677729535 127.0.0.1 50000 typ host generation 0',
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'abcd',
};

let probeId = 5000;
// The socket is alive and still processes messages: a relay outside any session is not_in_session.
async function assertAlive(c) {
  const id = ++probeId;
  c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: SDP, id });
  const m = await c.next((x) => x.re === id, 2000);
  assert.equal(m.type, 'error', JSON.stringify(m));
  assert.equal(m.code, 'not_in_session', JSON.stringify(m));
  assert.ok(c.isOpen);
}

async function expectError(c, code, id, what) {
  const m = await c.next('error', 2000).catch((e) => {
    throw new Error(`${what}: ${e.message}`);
  });
  assert.equal(m.code, code, `${what}: ${JSON.stringify(m)}`);
  if (id !== undefined) assert.equal(m.re, id, `${what}: re should echo ${id}: ${JSON.stringify(m)}`);
  return m;
}

function roles(p) {
  return p.ma.role === 'offerer' ? { off: p.a, ans: p.b } : { off: p.b, ans: p.a };
}

srv.test('offer, answer and ice are relayed to the peer with the same sdp/candidate and sessionId', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const { off, ans } = roles(p);
  const offerSdp = `${SDP}a=offer-marker:${Math.random()}\r\n`;
  off.send({ type: 'offer', sessionId: p.sessionId, sdp: offerSdp });
  const o = await ans.next('offer');
  assert.equal(o.sdp, offerSdp);
  assert.equal(o.sessionId, p.sessionId);

  const answerSdp = `${SDP}a=answer-marker:${Math.random()}\r\n`;
  ans.send({ type: 'answer', sessionId: p.sessionId, sdp: answerSdp });
  const a = await off.next('answer');
  assert.equal(a.sdp, answerSdp);
  assert.equal(a.sessionId, p.sessionId);

  off.send({ type: 'ice', sessionId: p.sessionId, candidate: CANDIDATE });
  const i1 = await ans.next('ice');
  assert.deepEqual(i1.candidate, CANDIDATE);
  assert.equal(i1.sessionId, p.sessionId);

  const cand2 = { ...CANDIDATE, candidate: CANDIDATE.candidate.replace('50000', '50001') };
  ans.send({ type: 'ice', sessionId: p.sessionId, candidate: cand2 });
  const i2 = await off.next('ice');
  assert.deepEqual(i2.candidate, cand2);
  assert.equal(i2.sessionId, p.sessionId);

  // nothing echoed back to the senders
  await off.expectNone(['offer', 'ice'], 200);
  await ans.expectNone(['answer', 'ice'], 0);
});

srv.test('duplicate JSON keys cannot smuggle another message type or an oversized sdp to the peer', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const sid = JSON.stringify(p.sessionId);
  const frames = [
    `{"type":"offer","sessionId":${sid},"sdp":"v=0","type":"peer_left","reason":"blocked","id":1}`,
    `{"type":"offer","sessionId":${sid},"sdp":"v=0","type":"banned","until":null,"id":2}`,
    `{"type":"ice","sessionId":${sid},"candidate":null,"type":"draining","reconnectAfterMs":0,"id":3}`,
    `{"type":"offer","sessionId":${sid},"sdp":"v=0","sdp":${JSON.stringify('x'.repeat(20000))},"id":4}`,
    `{"type":"ice","sessionId":${sid},"candidate":null,"candidate":${JSON.stringify({ candidate: 'x'.repeat(2000) })},"id":5}`,
    `{"type":"offer","sessionId":${sid},"sdp":"v=0","sessionId":"${BOGUS_SESSION}","id":6}`,
  ];
  for (const f of frames) p.a.sendRaw(f);
  // Every smuggling frame is refused to the sender...
  for (let id = 1; id <= frames.length; id++) {
    const m = await p.a.next((x) => x.re === id, 2000);
    assert.equal(m.type, 'error', `frame ${id}: ${JSON.stringify(m)}`);
  }
  // ...and whatever reaches the peer parses (last key wins, as in browsers) as a plain relay.
  await sleep(200);
  for (const m of p.b.received.slice(3)) {
    assert.ok(['offer', 'answer', 'ice'].includes(m.type), `peer received ${JSON.stringify(m).slice(0, 200)}`);
    if (m.sdp !== undefined) assert.ok(m.sdp.length <= 16 * 1024);
    assert.equal(m.sessionId, p.sessionId);
  }
  assert.ok(p.b.isOpen);
});

srv.test('ice with candidate null (end of candidates) is relayed as null', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  p.a.send({ type: 'ice', sessionId: p.sessionId, candidate: null });
  const m = await p.b.next('ice');
  assert.ok('candidate' in m, JSON.stringify(m));
  assert.equal(m.candidate, null);
  assert.equal(m.sessionId, p.sessionId);
});

srv.test('relays keep their order (60 ice candidates arrive in sequence)', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  for (let i = 0; i < 60; i++) {
    p.a.send({ type: 'ice', sessionId: p.sessionId, candidate: { ...CANDIDATE, candidate: `${CANDIDATE.candidate} seq ${i}` } });
  }
  for (let i = 0; i < 60; i++) {
    const m = await p.b.next('ice');
    assert.equal(m.candidate.candidate, `${CANDIDATE.candidate} seq ${i}`);
  }
});

srv.test('relay with a wrong sessionId is not_in_session and nothing reaches the peer', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  p.a.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: SDP, id: 11 });
  await expectError(p.a, 'not_in_session', 11, 'wrong sessionId offer');
  p.a.send({ type: 'ice', sessionId: `${p.sessionId}0`, candidate: CANDIDATE, id: 12 });
  await expectError(p.a, 'not_in_session', 12, 'sessionId with a suffix');
  await p.b.expectNone(['offer', 'answer', 'ice'], 300);
});

srv.test('relay with the sessionId of a previous session is not_in_session and reaches nobody', async (s) => {
  const lang = uniqueLang();
  const p1 = await matchedPair(s, lang);
  p1.a.send({ type: 'next' });
  await p1.b.next('peer_left');
  const c = await helloed(s, { label: 'C' });
  c.send(joinMsg(lang));
  const mc = await c.next('matched');
  const ma = await p1.a.next('matched');
  assert.equal(mc.sessionId, ma.sessionId);
  p1.a.send({ type: 'answer', sessionId: p1.sessionId, sdp: SDP, id: 21 });
  await expectError(p1.a, 'not_in_session', 21, 'old sessionId');
  await Promise.all([c.expectNone(['answer'], 300), p1.b.expectNone(['answer'], 0)]);
  // the current session still relays
  p1.a.send({ type: 'answer', sessionId: ma.sessionId, sdp: SDP });
  assert.equal((await c.next('answer')).sdp, SDP);
});

srv.test('relay while not in a session (idle, then queued) is not_in_session', async (s) => {
  const c = await helloed(s);
  c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: SDP, id: 1 });
  await expectError(c, 'not_in_session', 1, 'idle offer');
  c.send(joinMsg(uniqueLang()));
  await c.next('queued');
  c.send({ type: 'ice', sessionId: BOGUS_SESSION, candidate: CANDIDATE, id: 2 });
  await expectError(c, 'not_in_session', 2, 'queued ice');
  c.send({ type: 'answer', sessionId: BOGUS_SESSION, sdp: SDP, id: 3 });
  await expectError(c, 'not_in_session', 3, 'queued answer');
});

srv.test('relay after the peer left is not_in_session', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  p.b.send({ type: 'leave' });
  await p.a.next('peer_left');
  p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: SDP, id: 4 });
  await expectError(p.a, 'not_in_session', 4, 'offer after peer left');
});

srv.test('an sdp over 16 KiB is too_large and not relayed; just under the limit is relayed', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const big = SDP + 'a=x\r\n'.repeat(Math.ceil((16 * 1024 + 200) / 5));
  assert.ok(Buffer.byteLength(big) > 16 * 1024 && Buffer.byteLength(big) < 30 * 1024);
  p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: big, id: 51 });
  await expectError(p.a, 'too_large', 51, 'big sdp');
  await p.b.expectNone('offer', 300);
  assert.ok(p.a.isOpen, 'too_large keeps the socket open');
  const ok = SDP + 'a=y\r\n'.repeat(Math.floor((15 * 1024) / 5));
  p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: ok });
  const got = await p.b.next('offer');
  assert.equal(got.sdp, ok);
});

srv.test('an ice candidate over 1 KiB is too_large and not relayed', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const big = { ...CANDIDATE, candidate: `${CANDIDATE.candidate} ${'x'.repeat(1100)}` };
  p.a.send({ type: 'ice', sessionId: p.sessionId, candidate: big, id: 61 });
  await expectError(p.a, 'too_large', 61, 'big candidate');
  await p.b.expectNone('ice', 300);
  await assertAlive(p.a);
});

srv.test('a frame over 32 KiB closes the socket with 1009 and the peer gets peer_left disconnect', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  p.a.send({ type: 'offer', sessionId: p.sessionId, sdp: 'x'.repeat(40 * 1024) });
  const info = await p.a.closed(3000);
  assert.equal(info.code, 1009, p.a.history());
  await p.b.expectNone('offer', 0);
  const pl = await p.b.next('peer_left');
  assert.equal(pl.reason, 'disconnect');
});

srv.test('malformed JSON is a bad_request and the socket stays open', async (s) => {
  const c = await helloed(s);
  for (const raw of ['{"type":"offer",', 'not json', '{"type":"join" "mode":"video"}', '']) {
    c.sendRaw(raw);
    await expectError(c, 'bad_request', undefined, `malformed ${JSON.stringify(raw)}`);
  }
  await assertAlive(c);
});

srv.test('JSON that is not an object is a bad_request', async (s) => {
  const c = await helloed(s);
  for (const raw of ['[]', '[{"type":"leave"}]', '"leave"', '42', 'null', 'true']) {
    c.sendRaw(raw);
    await expectError(c, 'bad_request', undefined, `non-object ${raw}`);
  }
  await assertAlive(c);
});

srv.test('an unknown, missing or non-string type is a bad_request echoing re', async (s) => {
  const c = await helloed(s);
  c.send({ type: 'teleport', id: 71 });
  await expectError(c, 'bad_request', 71, 'unknown type');
  c.send({ id: 72 });
  await expectError(c, 'bad_request', 72, 'missing type');
  c.send({ type: 5, id: 73 });
  await expectError(c, 'bad_request', 73, 'numeric type');
  await assertAlive(c);
});

srv.test('relay messages with missing or wrongly typed fields are bad_request', async (s) => {
  const p = await matchedPair(s, uniqueLang());
  const cases = [
    ['offer without sdp', { type: 'offer', sessionId: p.sessionId }],
    ['offer with numeric sdp', { type: 'offer', sessionId: p.sessionId, sdp: 5 }],
    ['answer without sessionId', { type: 'answer', sdp: SDP }],
    ['ice without candidate', { type: 'ice', sessionId: p.sessionId }],
    ['ice with a string candidate', { type: 'ice', sessionId: p.sessionId, candidate: 'candidate:1 1 udp' }],
    ['ice with numeric sessionId', { type: 'ice', sessionId: 12, candidate: CANDIDATE }],
  ];
  let id = 80;
  for (const [what, msg] of cases) {
    p.a.send({ ...msg, id: ++id });
    await expectError(p.a, 'bad_request', id, what);
  }
  await p.b.expectNone(['offer', 'answer', 'ice'], 200);
});

srv.test('a binary frame is answered with error bad_request and the socket stays open', async (s) => {
  const c = await helloed(s);
  c.sendRaw(Buffer.from(JSON.stringify({ type: 'leave' })), { binary: true });
  const m = await c.next(['error', 'left'], 2000);
  assert.equal(m.type, 'error', `binary frames are not messages: ${JSON.stringify(m)}`);
  assert.equal(m.code, 'bad_request', JSON.stringify(m));
  await assertAlive(c);
});

srv.test('300 messages at once (burst 100, 50/s) get error rate_limited with retryAfterMs', async (s) => {
  const c = await helloed(s);
  for (let i = 0; i < 300; i++) c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: 'v=0', id: i });
  const m = await c.next((x) => x.type === 'error' && x.code === 'rate_limited', 3000);
  assert.equal(typeof m.retryAfterMs, 'number', JSON.stringify(m));
  assert.ok(m.retryAfterMs > 0, JSON.stringify(m));
  // The first ~burst messages were processed normally.
  const answered = c.received.filter((x) => x.type === 'error' && x.code === 'not_in_session').length;
  assert.ok(answered >= 90, `only ${answered} of the first messages were processed (burst is 100)`);
  assert.ok(answered <= 160, `${answered} messages processed: the limit of burst 100 + 50/s was not applied`);
});

srv.test('a socket that keeps flooding in bursts (300 at a time) is closed with 1008', async (s) => {
  const c = await helloed(s);
  const deadline = Date.now() + 5000;
  while (c.isOpen && Date.now() < deadline) {
    for (let i = 0; i < 300 && c.isOpen; i++) c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: 'v=0' });
    await sleep(50);
  }
  const info = await c.closed(3000);
  assert.equal(info.code, 1008, c.history());
});

srv.test('a socket that keeps flooding at a steady 1000+ messages/s for 5 s (20x the limit) is closed with 1008', async (s) => {
  const c = await helloed(s);
  const t0 = Date.now();
  let sent = 0;
  while (c.isOpen && Date.now() - t0 < 5000) {
    for (let i = 0; i < 20 && c.isOpen; i++, sent++) c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: 'v=0' });
    await sleep(10);
  }
  const elapsed = Date.now() - t0;
  const limited = c.received.filter((x) => x.code === 'rate_limited').length;
  const processed = c.received.filter((x) => x.code === 'not_in_session').length;
  const info = await c.closed(1000).catch(() => null);
  assert.ok(
    info,
    `still open after ${sent} messages in ${elapsed} ms (${Math.round((sent * 1000) / elapsed)}/s, limit 50/s): ` +
      `${limited} rate_limited errors, ${processed} messages processed`,
  );
  assert.equal(info.code, 1008, c.history());
});

srv.test('a well-behaved socket (40 messages/s for 2 s) is never rate limited', async (s) => {
  const c = await helloed(s);
  for (let i = 0; i < 80; i++) {
    c.send({ type: 'offer', sessionId: BOGUS_SESSION, sdp: 'v=0', id: i });
    await sleep(25);
  }
  await assertAlive(c);
  const limited = c.received.filter((x) => x.code === 'rate_limited');
  assert.equal(limited.length, 0, c.history());
});
