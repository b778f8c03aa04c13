import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, closeAll, launch, person, screenshot } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

let browser;
const people = [];
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll(people);
  await browser?.close();
});

test('the landing page explains Serendip and asks for age confirmation before starting', async () => {
  const a = await person(browser, { name: 'desktop' });
  people.push(a);
  const { page } = a;
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /meet someone new/i);
  await assertAccessible(page, 'the prerendered landing page');
  await page.getByRole('radio', { name: 'Video' }).waitFor();
  await page.getByRole('radio', { name: 'Text only' }).waitFor();
  await page.getByRole('group', { name: 'Languages I speak' }).getByRole('button', { name: 'Remove English' }).waitFor();
  await page.getByRole('textbox', { name: /Interests/ }).fill('chess, Music');
  await page.getByRole('textbox', { name: /Interests/ }).press('Enter');
  await page.getByRole('button', { name: 'Remove interest music' }).waitFor();

  // Start without confirming the age: an explanation, and we stay here.
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Please confirm that you are 18 or older.' }).waitFor();
  assert.equal(await page.getByRole('status').count(), 0);
  await screenshot(page, 'landing.png');
  await assertAccessible(page, 'the landing page with its Start problem');

  // Settings opens as a dialog with the privacy options, and closes with Escape.
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.waitFor();
  await dialog.getByRole('checkbox', { name: 'Hide my IP address (relay through the server)' }).waitFor();
  await dialog.getByRole('checkbox', { name: "Blur the stranger's video until I click" }).waitFor();
  await dialog.getByRole('combobox', { name: 'Camera' }).waitFor();
  await dialog.getByRole('button', { name: 'Preview camera' }).click();
  await dialog.getByRole('meter', { name: 'Microphone level' }).waitFor();
  await screenshot(page, 'settings.png');
  await assertAccessible(page, 'the Settings dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await assertAccessible(page, 'the landing page rendered by the call app');
});

test('the landing page fits a 360 px phone and switches language', async () => {
  const a = await person(browser, { width: 360, height: 740, name: 'phone' });
  people.push(a);
  const { page } = a;
  await page.getByRole('button', { name: 'Start', exact: true }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await screenshot(page, 'landing-phone.png');
  await assertAccessible(page, 'the landing page on a phone');

  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('combobox', { name: 'Interface language' }).selectOption('es');
  await page.getByRole('dialog', { name: 'Ajustes' }).waitFor();
  await page.getByRole('button', { name: 'Listo' }).click();
  await page.getByRole('button', { name: 'Empezar', exact: true }).waitFor();
  await assertAccessible(page, 'the landing page in Spanish');
});

test('the privacy page, linked from the landing page and Settings, says what is kept and that the shield runs on the device', async () => {
  const a = await person(browser, { width: 360, height: 740, name: 'privacy' });
  people.push(a);
  const { page } = a;
  // From the prerendered landing page, before the call app has loaded.
  await page.getByRole('link', { name: 'Privacy: what Serendip keeps, and for how long' }).click();
  await page.getByRole('heading', { level: 1, name: 'Privacy' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/privacy.html');
  const shield = page.getByRole('region', { name: 'The safety shield runs on your device' });
  await shield.getByText('no picture is sent anywhere').waitFor();
  await shield.getByText('Your own camera is never checked.').waitFor();
  const kept = page.getByRole('region', { name: 'What the service keeps' });
  for (const term of ['An anonymous browser id', 'How many calls, and how long', 'Reports', 'Blocks and appeals']) {
    await kept.getByRole('term').filter({ hasText: term }).waitFor();
  }
  await page.getByRole('region', { name: 'For how long' }).getByText('for 90 days after').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the privacy page is ${overflow}px wider than the phone`);
  // Served as a page of text: no script of its own.
  assert.equal(await page.locator('script').count(), 0);
  await screenshot(page, 'privacy-phone.png');
  await assertAccessible(page, 'the privacy page');

  // Back to the landing page; Settings links the same page, in a new tab (not opened here).
  await page.getByRole('link', { name: 'Back to chatting' }).click();
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  const link = dialog.getByRole('link', { name: 'Privacy: what Serendip keeps, and for how long' });
  assert.equal(await link.getAttribute('href'), '/privacy.html');
  assert.equal(await link.getAttribute('target'), '_blank');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
});

test('the PWA manifest and service worker are served', async () => {
  const a = await person(browser, { name: 'pwa' });
  people.push(a);
  const manifest = await a.page.evaluate(async () => (await fetch('/manifest.webmanifest')).json());
  assert.equal(manifest.name, 'Serendip');
  assert.ok(manifest.icons.some((i) => i.sizes === '512x512'));
  const sw = await a.page.evaluate(async () => {
    const r = await fetch('/sw.js');
    return { ok: r.ok, text: await r.text() };
  });
  assert.ok(sw.ok);
  assert.match(sw.text, /serendip-shell-/);
  assert.doesNotMatch(sw.text, /"\/api/);
  // The call app's shell only: its entry and what it loads, never the dashboard's bundle.
  const entry = (await a.page.evaluate(async () => (await fetch('/')).text())).match(/src="(\/assets\/index-[\w-]+\.js)"/)?.[1];
  assert.ok(entry && sw.text.includes(`"${entry}"`), `the call app entry ${entry} is precached`);
  assert.doesNotMatch(sw.text, /\/assets\/admin-/);
});

test('offline, the service worker serves the prerendered landing page and the call app it loads on demand', async () => {
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'allow' });
  people.push({ context });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[offline] page error:', err.message));
  await page.goto(BASE_URL + '/', { waitUntil: 'domcontentloaded' });
  // Installed: every file of the precache list is in the cache, the chunks loaded on Start included.
  const cached = await page.evaluate(async () => {
    // A worker that fails to install never becomes ready: fail, do not hang.
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('the service worker was not ready within 20 s')), 20_000));
    await Promise.race([navigator.serviceWorker.ready, late]);
    const key = (await caches.keys()).find((k) => k.startsWith('serendip-shell-'));
    const cache = await caches.open(key);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  const precache = JSON.parse((await (await fetch(BASE_URL + '/sw.js')).text()).match(/const PRECACHE = (\[[\s\S]*?\]);/)[1]);
  assert.deepEqual(precache.filter((p) => !cached.includes(p)), [], 'every precached file is in the cache');
  assert.ok(precache.some((p) => /\/assets\/boot-[\w-]+\.js$/.test(p)), `the call app's lazily loaded chunk is precached: ${precache}`);

  await context.setOffline(true);
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { level: 1, name: 'Meet someone new.' }).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('dialog', { name: 'Settings' }).waitFor();
  await context.setOffline(false);
});
