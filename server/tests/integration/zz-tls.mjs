import WebSocket from 'ws';
const P = process.env.P; const B = `https://127.0.0.1:${P}`; process.env.NODE_TLS_REJECT_UNAUTHORIZED='0';
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
    const ws = new WebSocket(`wss://127.0.0.1:${P}/ws`, { rejectUnauthorized: false, headers: ip ? { 'x-forwarded-for': ip } : {} });
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


const dev = 'dev_' + rnd();
const a = await user('A', '203.0.113.50', dev); const a2 = await user('A2', '203.0.113.50', dev);
send(a, { type: 'join', mode: 'video', languages: ['xs'] }); await next(a, 'queued');
send(a2, { type: 'join', mode: 'video', languages: ['xs'] }); await next(a2, 'queued');
try { await next(a, 'matched', 1500); log('same device MATCHED'); } catch { log('same device: no match in 1.5 s'); }
const c = await user('C', '203.0.113.51');
send(c, { type: 'join', mode: 'video', languages: ['xs'] });
const sid = (await next(c, 'matched')).sessionId;
send(c, { type: 'report', id: 5, sessionId: sid, reason: 'spam' });
const rep = await next(c, (m) => m.re === 5);
log('report ->', rep);
const login = await http('POST', '/api/v1/admin/login', { json: { username: 'root', password: 'password123' } });
const q = await http('GET', '/api/v1/admin/reports', { token: login.body.token });
log('stored IPs (XFF sent, no trusted proxy) ->', q.body.items.map(r => [r.reporter.ip, r.reported.ip]));
process.exit(0);
