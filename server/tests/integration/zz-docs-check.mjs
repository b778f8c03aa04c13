import WebSocket from 'ws';
const P = process.env.P; const B = `http://127.0.0.1:${P}`;
const ADMIN = process.env.T;
let ipn = 10;
const nextIp = () => `198.51.100.${ipn++}`;
const rnd = () => [...crypto.getRandomValues(new Uint8Array(12))].map(b => b.toString(16).padStart(2, '0')).join('');
async function http(method, path, { json, token, ip, raw } = {}) {
  const h = {};
  if (token) h.authorization = `Bearer ${token}`;
  if (ip) h['x-forwarded-for'] = ip;
  const res = await fetch(B + path, { method, headers: h, body: json ? JSON.stringify(json) : raw });
  const text = await res.text();
  let body; try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, headers: Object.fromEntries(res.headers) };
}
function sock(ip) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${P}/ws`, { headers: ip ? { 'x-forwarded-for': ip } : {} });
    const c = { ws, msgs: [], waiters: [], closed: null };
    ws.on('message', (d) => { const m = JSON.parse(d.toString()); c.msgs.push(m); c.waiters.forEach(w => w()); });
    ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString() }; c.waiters.forEach(w => w()); });
    ws.on('open', () => resolve(c));
    ws.on('unexpected-response', (req, res) => { let b = ''; res.on('data', d => b += d); res.on('end', () => reject({ status: res.statusCode, body: b })); });
    ws.on('error', (e) => reject(e));
  });
}
function next(c, pred, ms = 3000) {
  const f = typeof pred === 'string' ? (m) => m.type === pred : pred;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout waiting; got ' + JSON.stringify(c.msgs))), ms);
    let done = false;
    const check = () => { if (done) return true; const i = c.msgs.findIndex(f); if (i >= 0) { done = true; const m = c.msgs.splice(i, 1)[0]; clearTimeout(t); resolve(m); return true; } };
    if (!check()) c.waiters.push(check);
  });
}
function closed(c, ms = 3000) {
  return new Promise((resolve, reject) => {
    if (c.closed) return resolve(c.closed);
    const t = setTimeout(() => reject(new Error('not closed')), ms);
    c.waiters.push(() => { if (c.closed) { clearTimeout(t); resolve(c.closed); } });
  });
}
async function user(label, ip = nextIp(), deviceId = 'dev_' + rnd()) {
  const s = await http('POST', '/api/v1/session', { json: { deviceId }, ip });
  if (s.status !== 200) throw new Error(label + ' session ' + JSON.stringify(s));
  const c = await sock(ip);
  c.ip = ip; c.deviceId = deviceId; c.token = s.body.token;
  c.did = JSON.parse(Buffer.from(c.token.split('.')[1], 'base64url')).did;
  c.ws.send(JSON.stringify({ type: 'hello', token: c.token }));
  c.welcome = await next(c, (m) => ['welcome', 'banned', 'error'].includes(m.type));
  c.userId = c.welcome.userId;
  return c;
}
const send = (c, m) => c.ws.send(JSON.stringify(m));
async function pair(a, b, lang) {
  send(a, { type: 'join', mode: 'video', languages: [lang] }); await next(a, 'queued');
  send(b, { type: 'join', mode: 'video', languages: [lang] });
  const mb = await next(b, 'matched'); await next(a, 'matched'); return mb.sessionId;
}
const log = (...x) => console.log(...x.map(v => typeof v === 'string' ? v : JSON.stringify(v)));

const a = await user('A'); const b = await user('B');
const sid = await pair(a, b, 'xa');
send(a, { type: 'report', id: 7, sessionId: sid, reason: 'harassment', comment: 'insults' });
log('report ->', await next(a, (m) => m.re === 7));
send(a, { type: 'report', id: 8, sessionId: sid, reason: 'spam' });
log('report twice ->', await next(a, (m) => m.re === 8));
send(a, { type: 'report', id: 9, sessionId: 'f'.repeat(32), reason: 'spam' });
log('report unknown ->', await next(a, (m) => m.re === 9));
send(a, { type: 'report', id: 10, sessionId: sid, reason: 'ugly' });
log('report bad reason ->', await next(a, (m) => m.re === 10));
// REST report by B of A
const rr = await http('POST', '/api/v1/reports', { token: b.token, ip: b.ip, json: { sessionId: sid, reason: 'spam' } });
log('REST report ->', rr.status, rr.body);
const rr2 = await http('POST', '/api/v1/reports', { token: b.token, json: { sessionId: sid, reason: 'spam' } });
log('REST report twice ->', rr2.status, rr2.body);
const rr3 = await http('POST', '/api/v1/reports', { json: { sessionId: sid, reason: 'spam' } });
log('REST report no token ->', rr3.status, rr3.body, rr3.headers['www-authenticate']);
const rr4 = await http('POST', '/api/v1/reports', { token: b.token, json: { reason: 'spam' } });
log('REST report no sid ->', rr4.status, rr4.body);
const rr5 = await http('GET', '/api/v1/reports', { token: b.token });
log('REST GET reports ->', rr5.status, rr5.body, rr5.headers.allow);

const q = await http('GET', '/api/v1/admin/reports?status=pending', { token: ADMIN });
log('queue ->', q.status, q.body);
const rid = q.body.items.find((r) => r.sessionId === sid && r.reporter.userId === a.userId).id;
// moderator permanent -> 403
const mod = process.env.M;
const perm = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', blockIp: true, permanent: true } });
log('mod permanent ->', perm.status, perm.body);
const none = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', durationS: 60 } });
log('accept without block ->', none.status, none.body);
const both = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', blockIp: true, durationS: 60, permanent: true } });
log('both ->', both.status, both.body);
const nodur = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', blockIp: true } });
log('no duration ->', nodur.status, nodur.body);
const bad = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'maybe' } });
log('bad action ->', bad.status, bad.body);
const toolong = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', blockIp: true, durationS: 999999999999 } });
log('too long ->', toolong.status, toolong.body);

// second session: B with C, then block B -> C gets peer_left blocked
send(a, { type: 'leave' }); await next(a, 'left'); await next(b, 'peer_left');
const c = await user('C');
const sid2 = await pair(b, c, 'xb');
const dec = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'accept', blockIp: true, blockDevice: true, durationS: 3600, note: 'abusive' } });
log('decision ->', dec.status, dec.body);
log('B gets ->', await next(b, 'banned'), await closed(b));
log('C gets ->', await next(c, 'peer_left'));
const again = await http('POST', `/api/v1/admin/reports/${rid}/decision`, { token: mod, json: { action: 'reject' } });
log('decide again ->', again.status, again.body);
const s1 = await http('POST', '/api/v1/session', { ip: b.ip, json: { deviceId: 'x' + rnd() + rnd() } });
log('session from blocked ip ->', s1.status, s1.body);
const s2 = await http('POST', '/api/v1/session', { ip: nextIp(), json: { deviceId: b.deviceId } });
log('session blocked device ->', s2.status, s2.body);
const s3 = await http('POST', '/api/v1/session/refresh', { ip: nextIp(), token: b.token });
log('refresh blocked device ->', s3.status, s3.body);
try { await sock(b.ip); log('upgrade from blocked ip -> accepted?!'); } catch (e) { log('upgrade from blocked ip ->', e.status, e.body); }
const e = await sock(nextIp());
send(e, { type: 'hello', id: 1, token: b.token });
log('hello blocked device ->', await next(e, () => true), await closed(e));
// appeals
const ap0 = await http('POST', '/api/v1/appeals', { ip: c.ip, json: { deviceId: c.deviceId, message: 'hi' } });
log('appeal unblocked ->', ap0.status, ap0.body);
const ap1 = await http('POST', '/api/v1/appeals', { ip: nextIp(), token: b.token, json: { message: 'sorry' } });
log('appeal with token ->', ap1.status, ap1.body);
const ap2 = await http('POST', '/api/v1/appeals', { ip: b.ip, json: { message: 'sorry again' } });
log('appeal twice (ip) ->', ap2.status, ap2.body);
const ap3 = await http('POST', '/api/v1/appeals', { ip: b.ip, json: {} });
log('appeal no message ->', ap3.status, ap3.body);
const ap4 = await http('POST', '/api/v1/appeals', { ip: nextIp(), json: { deviceId: 'short', message: 'x' } });
log('appeal bad deviceId ->', ap4.status, ap4.body);
const ap5 = await http('POST', '/api/v1/appeals', { ip: nextIp(), json: { token: 'a.b.c', message: 'x' } });
log('appeal bad token ->', ap5.status, ap5.body);
const ap6 = await http('POST', '/api/v1/appeals', { ip: nextIp(), json: { message: 'x' } });
log('appeal not blocked ip ->', ap6.status, ap6.body);
const al = await http('GET', '/api/v1/admin/appeals?status=open', { token: mod });
log('appeals ->', al.status, al.body);
const ad = await http('POST', `/api/v1/admin/appeals/${ap1.body.appealId}/decision`, { token: mod, json: { action: 'accept', note: 'ok' } });
log('appeal accept ->', ad.status, ad.body);
const ad2 = await http('POST', `/api/v1/admin/appeals/${ap1.body.appealId}/decision`, { token: mod, json: { action: 'reject' } });
log('appeal decide again ->', ad2.status, ad2.body);
const ad3 = await http('POST', `/api/v1/admin/appeals/999/decision`, { token: mod, json: { action: 'reject' } });
log('appeal 999 ->', ad3.status, ad3.body);
const bl = await http('GET', `/api/v1/admin/blocks?device=${b.did}`, { token: mod });
log('blocks ->', bl.status, bl.body);
const rep = await http('GET', `/api/v1/admin/reports/${rid}`, { token: mod });
log('report detail ->', rep.status, rep.body);
const repu = await http('GET', `/api/v1/admin/reputation?device=${b.did}`, { token: mod });
log('reputation ->', repu.status, repu.body);
// manual blocks
const mb = await http('POST', '/api/v1/admin/blocks', { token: mod, json: { ip: '203.0.113.7', durationS: 600, reason: 'spam bot' } });
log('create block ->', mb.status, mb.body);
const mb2 = await http('POST', '/api/v1/admin/blocks', { token: mod, json: { durationS: 600 } });
log('create block empty ->', mb2.status, mb2.body);
const mb3 = await http('POST', '/api/v1/admin/blocks', { token: ADMIN, json: { device: c.did, permanent: true, reason: 'test' } });
log('admin permanent device block ->', mb3.status, mb3.body);
log('C kicked ->', await next(c, 'banned'), await closed(c));
const bulk = await http('POST', '/api/v1/admin/blocks/bulk', { token: mod, json: { ips: ['203.0.113.20', '::ffff:203.0.113.20', '2001:db8::1'], durationS: 86400, reason: 'botnet' } });
log('bulk ->', bulk.status, bulk.body);
const bulk2 = await http('POST', '/api/v1/admin/blocks/bulk', { token: mod, json: { ips: ['203.0.113.21', 'nope'], durationS: 86400 } });
log('bulk bad ->', bulk2.status, bulk2.body);
const bulk3 = await http('POST', '/api/v1/admin/blocks/bulk', { token: mod, json: { ips: ['203.0.113.21'], devices: ['abc'], durationS: 86400 } });
log('bulk both ->', bulk3.status, bulk3.body);
const lift = await http('DELETE', `/api/v1/admin/blocks/${mb.body.id}?reason=mistake`, { token: mod });
log('lift ->', lift.status, lift.body);
const lift2 = await http('DELETE', `/api/v1/admin/blocks/${mb.body.id}`, { token: mod });
log('lift again ->', lift2.status, lift2.body);
const lift3 = await http('DELETE', `/api/v1/admin/blocks/9999`, { token: mod });
log('lift 9999 ->', lift3.status, lift3.body);
const act = await http('GET', `/api/v1/admin/blocks?active=true&limit=2`, { token: mod });
log('active blocks ->', act.status, act.body);
if (act.body.nextCursor) { const p2 = await http('GET', `/api/v1/admin/blocks?active=true&limit=2&cursor=${encodeURIComponent(act.body.nextCursor)}`, { token: mod }); log('page2 ->', p2.status, p2.body); }
const st = await http('GET', '/api/v1/admin/stats', { token: mod });
log('stats ->', st.body);
const mw = await http('GET', '/api/v1/admin/analytics/match-wait', { token: mod });
log('match-wait ->', mw.body);
const au = await http('GET', '/api/v1/admin/audit?limit=5', { token: mod });
log('audit ->', au.body);
const au2 = await http('GET', '/api/v1/admin/audit?action=block.create&limit=2', { token: mod });
log('audit filter ->', au2.body.items.map(x => [x.seq, x.actor, x.target, x.details]), au2.body.nextCursor);
for (const x of [a, e]) x.ws.close();
process.exit(0);
