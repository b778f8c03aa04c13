// Admin login under attack (issue 14, items 1 and 2): the Argon2id hash runs
// on a small bounded pool, so a burst of logins leaves /healthz and the other
// sockets responsive and what does not fit in the queue gets a 503 with
// Retry-After and a JSON error code; wrong passwords slow down the address
// that sends them (growing delays), never the moderator elsewhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BOOT_ADMIN, BOOT_PASSWORD, PROXY_CIDR, call } from './moderation-tools.mjs';
import { annotate, startServer } from './server.mjs';
import { describeResponse, request } from './util.mjs';

let server;
before(async () => {
  server = await startServer({
    label: 'admin-login',
    flags: { 'trusted-proxies': PROXY_CIDR },
    env: { SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` },
  });
});
after(async () => {
  await server?.stop();
});

const login = (username, password, ip) =>
  call(server, 'POST', '/api/v1/admin/login', { json: { username, password }, ip });

async function timedHealthz() {
  const t0 = process.hrtime.bigint();
  const res = await request(server, 'GET', '/healthz', { timeoutMs: 10_000 });
  assert.equal(res.status, 200);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

test('24 logins at once: /healthz stays fast, the overflow gets 503 + Retry-After + code, none hangs', async () => {
  try {
    const quiet = await timedHealthz();
    // Distinct usernames and addresses: no throttle steps in, every admitted login is hashed.
    const burst = [];
    for (let i = 0; i < 24; i++) burst.push(login(`nobody-${i}`, 'wrong password', `203.0.113.${i + 1}`));
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await timedHealthz());
    const answers = await Promise.all(burst);
    const statuses = answers.map((r) => r.status);
    const busy = answers.filter((r) => r.status === 503);
    assert.ok(busy.length > 0, `no login was refused for a full queue: ${statuses}`);
    for (const r of busy) {
      assert.equal(r.json?.error?.code, 'unavailable', describeResponse(r));
      assert.ok(Number(r.headers['retry-after']) >= 1, describeResponse(r));
      assert.ok(r.json.error.retryAfterMs > 0, describeResponse(r));
    }
    assert.ok(statuses.every((s) => s === 401 || s === 503), `statuses: ${statuses}`);
    during.sort((a, b) => a - b);
    const median = during[Math.floor(during.length / 2)];
    assert.ok(median < 300, `/healthz during the burst: ${during.map((d) => d.toFixed(1))} ms (quiet: ${quiet.toFixed(1)} ms)`);
    // The pool drained: a login goes through again.
    const ok = await login(BOOT_ADMIN, BOOT_PASSWORD, '192.0.2.10');
    assert.equal(ok.status, 200, describeResponse(ok));
  } catch (e) {
    throw annotate(e, server);
  }
});

test('five wrong passwords from one address: that address waits (growing delays), the moderator elsewhere gets in', async () => {
  try {
    const guesser = '198.51.100.77';
    for (let i = 0; i < 5; i++) {
      const r = await login(BOOT_ADMIN, 'wrong password', guesser);
      assert.equal(r.status, 401, `guess ${i + 1}: ${describeResponse(r)}`);
    }
    const held = await login(BOOT_ADMIN, BOOT_PASSWORD, guesser);
    assert.equal(held.status, 429, describeResponse(held));
    assert.equal(held.json.error.code, 'rate_limited');
    assert.ok(held.json.error.retryAfterMs > 0 && held.json.error.retryAfterMs <= 1000, describeResponse(held));
    assert.equal(held.headers['retry-after'], '1');
    // Was: locked out from everywhere for 15 minutes.
    const moderator = await login(BOOT_ADMIN, BOOT_PASSWORD, '192.0.2.20');
    assert.equal(moderator.status, 200, describeResponse(moderator));
    // The guesser's next wait is longer.
    await new Promise((resolve) => setTimeout(resolve, held.json.error.retryAfterMs + 50));
    assert.equal((await login(BOOT_ADMIN, 'wrong password', guesser)).status, 401);
    const longer = await login(BOOT_ADMIN, 'wrong password', guesser);
    assert.equal(longer.status, 429, describeResponse(longer));
    assert.ok(longer.json.error.retryAfterMs > 1000, describeResponse(longer));
  } catch (e) {
    throw annotate(e, server);
  }
});
