// Region-aware matching for people on loopback (no address the country
// database can know): the browser's time zone (playwright's timezoneId per
// context) is the hint. Two browsers in Europe/Berlin and Europe/Paris are told
// their stranger is "From Europe"; Asia/Tokyo and America/Sao_Paulo meet after
// the widening wait. The dashboard's heatmap then has a row per region.
// Screenshots: e2e/artifacts/regions-*.png.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hasAdmin, moderator, openAdmin, signIn } from '../lib/admin.mjs';
import { BASE_URL, closeAll, eventually, launch, screenshot, start, waitForStatus } from '../lib/harness.mjs';

let browser;
const people = [];
let mod;
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll([...people, mod]);
  await browser?.close();
});

/** A person whose browser is in `timezoneId`. */
async function personIn(timezoneId) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId,
    permissions: ['camera', 'microphone'],
    serviceWorkers: 'block',
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${timezoneId}] page error:`, err.message));
  await page.goto(BASE_URL + '/', { waitUntil: 'domcontentloaded' });
  const p = { context, page, name: timezoneId };
  people.push(p);
  return p;
}

const badge = (page, region) => page.getByRole('listitem').filter({ hasText: `From ${region}` });

test('two browsers in European time zones are told their stranger is from Europe', async () => {
  const berlin = await personIn('Europe/Berlin');
  const paris = await personIn('Europe/Paris');
  assert.equal(await berlin.page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'Europe/Berlin');
  await start(berlin.page);
  await start(paris.page);
  await Promise.all([waitForStatus(berlin.page, 'Connected'), waitForStatus(paris.page, 'Connected')]);
  await badge(berlin.page, 'Europe').waitFor();
  await badge(paris.page, 'Europe').waitFor();
  await screenshot(berlin.page, 'regions-call-europe.png');
});

test('Asia and the Americas meet once the widening wait is over', async () => {
  const tokyo = await personIn('Asia/Tokyo');
  const saoPaulo = await personIn('America/Sao_Paulo');
  await start(tokyo.page);
  await waitForStatus(tokyo.page, 'Searching');
  await start(saoPaulo.page);
  await Promise.all([waitForStatus(tokyo.page, 'Connected', 30_000), waitForStatus(saoPaulo.page, 'Connected', 30_000)]);
  await badge(tokyo.page, 'Americas').waitFor();
  await badge(saoPaulo.page, 'Asia').waitFor();
});

test('the dashboard heatmap has a row per region', { skip: hasAdmin ? false : 'needs SERENDIP_E2E_ADMIN' }, async () => {
  mod = await moderator(browser);
  await openAdmin(mod.page);
  await signIn(mod.page);
  await mod.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  await mod.page.getByText('Show the numbers as a table').click();
  const table = mod.page.getByRole('table', { name: 'Match wait by region and hour' });
  // With several instances, each merges the others' waits every second.
  const regions = await eventually(
    async () => {
      await mod.page.reload({ waitUntil: 'domcontentloaded' });
      await mod.page.getByText('Show the numbers as a table').click();
      const rows = await table.getByRole('rowheader').allInnerTexts();
      return ['europe', 'asia', 'americas'].every((r) => rows.includes(r)) ? rows : null;
    },
    { timeout: 20_000, message: 'rows europe, asia and americas in the heatmap table' },
  );
  assert.ok(regions.includes('europe'), regions.join(','));
  await mod.page.getByRole('img', { name: /wait for a match by region and UTC hour/ }).scrollIntoViewIfNeeded();
  await screenshot(mod.page, 'regions-heatmap.png');
  if (process.env.SERENDIP_E2E_SCREENSHOT_DIR) {
    await mod.page.screenshot({ path: `${process.env.SERENDIP_E2E_SCREENSHOT_DIR}/regions-heatmap.png`, fullPage: true });
  }
});
