// IPv6 by /64 (issue 14, item 5): one subscriber gets a whole /64 and can pick
// any address in it, so per-address limits and blocks key IPv6 by its /64
// (IPv4 by the exact address, IPv4-mapped IPv6 as IPv4). The server sees the
// addresses through X-Forwarded-For from a trusted proxy on loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, freshSqlite, login, startModServer } from './moderation-tools.mjs';
import { annotate } from './server.mjs';
import { describeResponse, randomDeviceId } from './util.mjs';

let server;
let admin;
before(async () => {
  server = await startModServer(freshSqlite(), {
    label: 'ipv6-keys',
    abuse: 'default',
    // Three sessions per address a minute, and nothing else in the way.
    flags: { 'rate-limits': 'session_per_ip=3/60s/3,session_per_device=off', captcha: 'false' },
  });
  admin = await login(server, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.1' });
});
after(async () => {
  await server?.stop();
});

const session = (ip) => call(server, 'POST', '/api/v1/session', { json: { deviceId: randomDeviceId() }, ip });

test('addresses of one /64 share the per-address session limit; the next /64 does not', async () => {
  try {
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff:ffff:ffff:fffe']) {
      expectStatus(await session(ip), 200, `session from ${ip}`);
    }
    const fourth = await session('2001:db8:1:2:abcd::9');
    assert.equal(fourth.status, 429, `a fourth address of the same /64: ${describeResponse(fourth)}`);
    assert.equal(fourth.json?.error?.code, 'rate_limited');
    expectStatus(await session('2001:db8:1:3::1'), 200, 'the neighbouring /64');
    // IPv4 stays exact: two neighbours do not share.
    for (let i = 0; i < 3; i++) expectStatus(await session('198.51.100.7'), 200, `198.51.100.7 #${i + 1}`);
    assert.equal((await session('198.51.100.7')).status, 429);
    expectStatus(await session('198.51.100.8'), 200, 'the next IPv4 address');
    // IPv4-mapped IPv6 is the IPv4 address.
    assert.equal((await session('::ffff:198.51.100.7')).status, 429, 'mapped form of a limited address');
  } catch (e) {
    throw annotate(e, server);
  }
});

test('a block on one IPv6 address covers its /64 and shows as the /64', async () => {
  try {
    const made = await call(server, 'POST', '/api/v1/admin/blocks', {
      token: admin,
      json: { ip: '2001:db8:5:6::1', durationS: 3600, reason: 'ipv6 test' },
    });
    expectStatus(made, 201, 'block');
    assert.equal(made.json.ip, '2001:db8:5:6::/64');

    const other = await session('2001:db8:5:6:1234:5678:9abc:def0');
    assert.equal(other.status, 403, `another address of the blocked /64: ${describeResponse(other)}`);
    assert.equal(other.json?.error?.code, 'banned');
    expectStatus(await session('2001:db8:5:7::1'), 200, 'outside the blocked /64');

    const list = await call(server, 'GET', '/api/v1/admin/blocks?ip=2001:db8:5:6::42', { token: admin });
    expectStatus(list, 200, 'list by an address of the /64');
    assert.deepEqual(list.json.items.map((b) => b.ip), ['2001:db8:5:6::/64']);

    // The same through the mapped IPv4 form.
    expectStatus(
      await call(server, 'POST', '/api/v1/admin/blocks', {
        token: admin,
        json: { ip: '::ffff:203.0.113.50', durationS: 3600, reason: 'mapped' },
      }),
      201,
      'block a mapped address',
    );
    assert.equal((await session('203.0.113.50')).status, 403);
    expectStatus(await session('203.0.113.51'), 200, 'the next IPv4 address');
  } catch (e) {
    throw annotate(e, server);
  }
});
