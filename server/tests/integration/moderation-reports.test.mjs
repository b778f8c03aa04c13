// Issue 5, report rules: who may report which session, once, until when, and the REST twin.
import assert from 'node:assert/strict';

import { useServer } from './server.mjs';
import { uniqueLang } from './util.mjs';
import {
  BOOT_ADMIN,
  BOOT_PASSWORD,
  PROXY_CIDR,
  adminGet,
  call,
  expectStatus,
  login,
  pair,
  report,
  user,
} from './moderation-tools.mjs';

const srv = useServer({
  label: 'reports',
  flags: { 'trusted-proxies': PROXY_CIDR },
  env: { SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` },
});

let adminToken;
async function admin(server) {
  adminToken ??= await login(server, BOOT_ADMIN, BOOT_PASSWORD);
  return adminToken;
}

async function twoMatched(server) {
  const a = await user(server, { label: 'A' });
  const b = await user(server, { label: 'B' });
  const sid = await pair(a, b, uniqueLang());
  return { a, b, sid };
}

srv.test('reporting a session you were not in is not_in_session (someone else\'s, or unknown)', async (server) => {
  const { sid } = await twoMatched(server);
  const c = await user(server, { label: 'C' });
  const foreign = await report(c, sid, 'spam');
  assert.equal(foreign.type, 'error', JSON.stringify(foreign));
  assert.equal(foreign.code, 'not_in_session');
  const unknown = await report(c, 'f'.repeat(32), 'spam');
  assert.equal(unknown.type, 'error', JSON.stringify(unknown));
  assert.equal(unknown.code, 'not_in_session');
  const queue = await adminGet(server, await admin(server), '/api/v1/admin/reports');
  assert.equal(queue.items.filter((r) => r.sessionId === sid).length, 0, 'nothing stored');
});

srv.test('a session is reported once per reporter: the second report is a conflict; the peer may still report', async (server) => {
  const { a, b, sid } = await twoMatched(server);
  const first = await report(a, sid, 'harassment');
  assert.equal(first.type, 'report_ack', JSON.stringify(first));
  const second = await report(a, sid, 'spam');
  assert.equal(second.type, 'error', JSON.stringify(second));
  assert.equal(second.code, 'conflict');
  const other = await report(b, sid, 'other');
  assert.equal(other.type, 'report_ack', JSON.stringify(other));
  assert.notEqual(other.reportId, first.reportId);
  const queue = await adminGet(server, await admin(server), '/api/v1/admin/reports');
  const mine = queue.items.filter((r) => r.sessionId === sid);
  assert.equal(mine.length, 2, JSON.stringify(mine));
  assert.equal(mine.find((r) => r.reporter.userId === a.userId)?.reason, 'harassment', 'the first report stands');
});

srv.test('a session can still be reported after the peer pressed next; the report records its end and length', async (server) => {
  const { a, b, sid } = await twoMatched(server);
  await new Promise((r) => setTimeout(r, 50));
  b.send({ type: 'next' });
  const left = await a.next('peer_left');
  assert.equal(left.reason, 'next');
  const ack = await report(a, sid, 'underage', { comment: 'looked 12' });
  assert.equal(ack.type, 'report_ack', JSON.stringify(ack));
  const r = await adminGet(server, await admin(server), `/api/v1/admin/reports/${ack.reportId}`);
  assert.equal(r.sessionId, sid);
  assert.equal(r.reporter.userId, a.userId);
  assert.equal(r.reported.userId, b.userId);
  assert.equal(r.reported.ip, b.ip);
  assert.equal(r.comment, 'looked 12');
  assert.equal(typeof r.session.endedAt, 'number', JSON.stringify(r.session));
  assert.ok(r.session.endedAt >= r.session.startedAt);
  assert.equal(r.session.lengthMs, r.session.endedAt - r.session.startedAt);
  assert.ok(r.session.lengthMs >= 40, `lengthMs ${r.session.lengthMs}`);
});

srv.test('a report with a bad reason, no sessionId or an over-long comment is bad_request and stores nothing', async (server) => {
  const { a, sid } = await twoMatched(server);
  const badReason = await report(a, sid, 'ugly');
  assert.equal(badReason.type, 'error');
  assert.equal(badReason.code, 'bad_request');
  a.send({ type: 'report', reason: 'spam', id: 77 });
  const noSession = await a.next((m) => m.type === 'error' && m.re === 77);
  assert.equal(noSession.code, 'bad_request');
  const longComment = await report(a, sid, 'spam', { comment: 'x'.repeat(501) });
  assert.equal(longComment.type, 'error');
  assert.equal(longComment.code, 'bad_request');
  assert.ok(a.isOpen, 'the socket stays open');
  // None of these used up the one report: a valid one is still accepted.
  const ok = await report(a, sid, 'spam', { comment: 'y'.repeat(500) });
  assert.equal(ok.type, 'report_ack', JSON.stringify(ok));
});

srv.test('REST twin POST /api/v1/reports: 201 {reportId} with a session token; 401 without; 409 twice or not yours; 400 bad reason', async (server) => {
  const { a, b, sid } = await twoMatched(server);
  const noToken = await call(server, 'POST', '/api/v1/reports', { json: { sessionId: sid, reason: 'spam' } });
  assert.equal(noToken.status, 401, noToken.text);
  const bad = await call(server, 'POST', '/api/v1/reports', { token: a.token, json: { sessionId: sid, reason: 'ugly' } });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.json?.error?.code, 'bad_request');
  const adminTok = await call(server, 'POST', '/api/v1/reports', { token: await admin(server), json: { sessionId: sid, reason: 'spam' } });
  assert.equal(adminTok.status, 401, `an admin token is not a user: ${adminTok.text}`);

  const res = await call(server, 'POST', '/api/v1/reports', {
    token: a.token,
    ip: a.ip,
    json: { sessionId: sid, reason: 'violence', comment: 'weapon' },
  });
  expectStatus(res, 201, 'REST report');
  assert.ok(res.json.reportId !== undefined && /^\d+$/.test(String(res.json.reportId)), JSON.stringify(res.json));
  const twice = await call(server, 'POST', '/api/v1/reports', { token: a.token, json: { sessionId: sid, reason: 'spam' } });
  assert.equal(twice.status, 409, twice.text);
  assert.equal(twice.json?.error?.code, 'conflict');
  // Reported over REST, then again over the WebSocket: still once.
  const ws = await report(a, sid, 'spam');
  assert.equal(ws.code, 'conflict', JSON.stringify(ws));

  const c = await user(server, { label: 'C' });
  const notMine = await call(server, 'POST', '/api/v1/reports', { token: c.token, json: { sessionId: sid, reason: 'spam' } });
  assert.equal(notMine.status, 409, notMine.text);
  assert.equal(notMine.json?.error?.code, 'not_in_session');

  const r = await adminGet(server, await admin(server), `/api/v1/admin/reports/${res.json.reportId}`);
  assert.equal(r.reporter.userId, a.userId);
  assert.equal(r.reported.userId, b.userId);
  assert.equal(r.reason, 'violence');
  assert.equal(r.comment, 'weapon');
  assert.equal(r.status, 'pending');
});
