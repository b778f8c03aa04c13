// Scale-out, admin tokens (issue 14, item 4): two instances sharing one Redis
// and one database. A token issued by one is good on the other; a logout or
// password change on one revokes the account's tokens on both at once (the
// token generation lives in the database, read on every admin request).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BOOT_ADMIN, BOOT_PASSWORD, call, expectStatus, login } from './moderation-tools.mjs';
import { ALL_OFF, useSharedRedis, withTwo } from './scaleout-tools.mjs';

useSharedRedis();

test('a logout or password change on one instance revokes the tokens on the other at once', async () => {
  await withTwo('admin-tokens', { 'rate-limits': ALL_OFF, 'trusted-proxies': '127.0.0.1/32' }, async ([A, B]) => {
    const me = (s, token) => call(s, 'GET', '/api/v1/admin/me', { token });
    const onA = await login(A, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.30' });
    const onB = await login(B, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.31' });
    expectStatus(await me(B, onA), 200, 'a token of A on B');
    expectStatus(await me(A, onB), 200, 'a token of B on A');
    expectStatus(await call(A, 'POST', '/api/v1/admin/logout', { token: onA }), 204, 'logout on A');
    assert.equal((await me(B, onA)).status, 401, 'the logged-out token on B, at once');
    assert.equal((await me(B, onB)).status, 401, 'the account\'s token from B, on B');

    // A password change made on B ends a moderator's sign-in made on A.
    const root = await login(B, BOOT_ADMIN, BOOT_PASSWORD, { ip: '192.0.2.32' });
    expectStatus(
      await call(B, 'POST', '/api/v1/admin/accounts', {
        token: root,
        json: { username: 'scale-mod', password: 'scale-mod-pass-1', role: 'moderator' },
      }),
      201,
      'create a moderator',
    );
    const mod = await login(A, 'scale-mod', 'scale-mod-pass-1', { ip: '192.0.2.33' });
    expectStatus(await me(A, mod), 200, 'moderator on A');
    expectStatus(
      await call(B, 'POST', '/api/v1/admin/accounts/scale-mod/password', { token: root, json: { password: 'scale-mod-pass-2' } }),
      204,
      'password change on B',
    );
    assert.equal((await me(A, mod)).status, 401, 'the moderator\'s old token on A');
    expectStatus(await me(A, root), 200, 'other accounts are untouched');
  });
});
