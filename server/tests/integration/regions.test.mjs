// Regions of real people (docs/operations.md, "Regions"): the server looks the
// client's address (X-Forwarded-For from a trusted proxy, here loopback) up in
// a country database, here the small one server/tests/unit/geo/make_test_mmdb.pl
// writes (documentation ranges: 203.0.113.0/24 DE, 198.51.100.0/25 BR,
// 198.51.100.128/25 FR, 192.0.2.0/25 JP); without a hit, the area of the
// browser's `timeZone` counts. In memory and with two instances on Redis.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { closeAllClients, helloed } from './client.mjs';
import { adminGet, BOOT_ADMIN, BOOT_PASSWORD, login, user } from './moderation-tools.mjs';
import { RedisServer } from './redis-server.mjs';
import { annotate, startServer, withServer } from './server.mjs';
import { expectSoon, request, uniqueLang } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WIDEN_MS = 1500;
let dir;
let db;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serendip-it-geo-'));
  db = path.join(dir, 'country.mmdb');
  const r = spawnSync('perl', [path.join(here, '../unit/geo/make_test_mmdb.pl'), db], { encoding: 'utf8' });
  assert.equal(r.status, 0, `make_test_mmdb.pl: ${r.stderr} (install libmaxmind-db-writer-perl: scripts/bootstrap.sh test)`);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const geoFlags = (extra = {}) => ({ 'geoip-db': db, 'widen-region-after-ms': WIDEN_MS, ...extra });

function join(c, lang, extra = {}) {
  c.send({ type: 'join', mode: 'video', languages: [lang], ...extra });
}

// No `matched` for `c` within `ms`.
async function staysQueued(c, ms) {
  await assert.rejects(c.next('matched', ms), /timed out|timeout/i, `[${c.label}] should still be waiting`);
}

test('X-Forwarded-For from a trusted proxy gives the looked-up region; one region is paired before an earlier stranger of another', async () => {
  await withServer(
    {
      label: 'regions',
      flags: geoFlags({ 'trusted-proxies': '127.0.0.1/32' }),
      env: { SERENDIP_ADMIN_BOOTSTRAP: `${BOOT_ADMIN}:${BOOT_PASSWORD}` },
    },
    async (s) => {
      const lang = uniqueLang();
      const brazil = await user(s, { label: 'BR', ip: '198.51.100.7' });
      join(brazil, lang, { timeZone: 'Europe' }); // the address wins over the hint
      await brazil.next('queued');

      const germany = await user(s, { label: 'DE', ip: '203.0.113.5' });
      join(germany, lang, { timeZone: 'Asia/Tokyo', region: 'us' }); // so does it over a region tag
      await germany.next('queued');
      await staysQueued(germany, 300); // Americas and Europe: not yet

      // Loopback without X-Forwarded-For: not locatable, the time zone counts.
      const berlin = await helloed(s, { label: 'tz-Europe' });
      join(berlin, lang, { timeZone: 'Europe/Berlin' });
      const mBerlin = await berlin.next('matched');
      const mGermany = await germany.next('matched');
      assert.equal(mGermany.sessionId, mBerlin.sessionId);
      assert.equal(mGermany.peer.region, 'Europe', JSON.stringify(mGermany));
      assert.equal(mBerlin.peer.region, 'Europe', JSON.stringify(mBerlin)); // the region, never the country
      await staysQueued(brazil, 200);

      // Past the widening wait the Brazilian takes someone from Asia.
      const japan = await user(s, { label: 'JP', ip: '192.0.2.9' });
      join(japan, lang);
      const mJapan = await japan.next('matched', WIDEN_MS + 2000);
      const mBrazil = await brazil.next('matched');
      assert.equal(mBrazil.peer.region, 'Asia', JSON.stringify(mBrazil));
      assert.equal(mJapan.peer.region, 'Americas', JSON.stringify(mJapan));

      // The dashboard's heatmap has a row per region, not one "unknown".
      const token = await login(s, BOOT_ADMIN, BOOT_PASSWORD);
      const heat = await adminGet(s, token, '/api/v1/admin/analytics/match-wait');
      const rows = heat.regions.map((r) => r.region).sort();
      assert.deepEqual(rows, ['americas', 'asia', 'europe'], JSON.stringify(heat));
      assert.ok(s.lines.some((l) => l.includes('"geoip_ready"') && l.includes('Serendip-Test-Country')), 'startup log names the database');
    },
  );
});

test('from an untrusted peer X-Forwarded-For is ignored: the time zone counts', async () => {
  await withServer({ label: 'regions-untrusted', flags: geoFlags() }, async (s) => {
    const lang = uniqueLang();
    const a = await user(s, { label: 'claims-DE', ip: '203.0.113.5' });
    join(a, lang, { timeZone: 'Asia/Seoul' });
    await a.next('queued');
    const b = await user(s, { label: 'claims-FR', ip: '198.51.100.200' });
    join(b, lang, { timeZone: 'Asia/Tokyo' });
    const mb = await b.next('matched');
    const ma = await a.next('matched');
    assert.equal(ma.peer.region, 'Asia', JSON.stringify(ma));
    assert.equal(mb.peer.region, 'Asia', JSON.stringify(mb));
  });
});

test('without a database, old clients and odd time zones still join', async () => {
  await withServer({ label: 'regions-nodb', flags: { 'geoip-db': path.join(dir, 'missing.mmdb') } }, async (s) => {
    const lang = uniqueLang();
    const a = await helloed(s, { label: 'old' });
    join(a, lang, { region: 'eu' });
    await a.next('queued');
    const b = await helloed(s, { label: 'odd-tz' });
    join(b, lang, { timeZone: 'Mars/Olympus_Mons' }); // unknown area: no region, matched at once
    const mb = await b.next('matched');
    assert.equal(mb.peer.region, 'EU', JSON.stringify(mb));
    assert.equal((await a.next('matched')).peer.region, null);
    const c = await helloed(s, { label: 'bad-tz' });
    c.send({ type: 'join', id: 3, mode: 'video', languages: [lang], timeZone: 42 });
    const e = await c.next(['error', 'queued']);
    assert.equal(e.code, 'bad_request', JSON.stringify(e));
    assert.equal(e.re, 3);
    assert.ok(s.lines.some((l) => l.includes('"geoip_unavailable"')), 'a missing database is said once in the log');
  });
});

test('two instances on Redis: the shared matcher gets the looked-up region too', async () => {
  const redis = await RedisServer.start();
  const pair = [];
  try {
    const env = { SERENDIP_REDIS_URL: redis.url, SERENDIP_DATABASE_URL: `sqlite://${path.join(dir, 'shared.db')}` };
    const flags = geoFlags({ 'trusted-proxies': '127.0.0.1/32' });
    for (const label of ['regions-a', 'regions-b']) pair.push(await startServer({ label, env, flags }));
    for (const s of pair) await expectSoon(async () => (await request(s, 'GET', '/readyz')).status === 200, `${s.label} ready`, { timeoutMs: 8000 });
    const [one, two] = pair;
    const lang = uniqueLang();
    const brazil = await user(one, { label: 'BR@a', ip: '198.51.100.8' });
    join(brazil, lang);
    await brazil.next('queued');
    const germany = await user(one, { label: 'DE@a', ip: '203.0.113.6' });
    join(germany, lang);
    await germany.next('queued');
    await staysQueued(germany, 300);
    const france = await user(two, { label: 'FR@b', ip: '198.51.100.201' });
    join(france, lang, { timeZone: 'America/Sao_Paulo' });
    const mFrance = await france.next('matched');
    const mGermany = await germany.next('matched');
    assert.equal(mFrance.sessionId, mGermany.sessionId);
    assert.equal(mFrance.peer.region, 'Europe', JSON.stringify(mFrance));
    assert.equal(mGermany.peer.region, 'Europe', JSON.stringify(mGermany));
    await staysQueued(brazil, 200);
  } catch (e) {
    throw annotate(e, ...pair);
  } finally {
    await closeAllClients();
    for (const s of pair) if (!s.exit) await s.stop();
    await redis.stop();
  }
});
