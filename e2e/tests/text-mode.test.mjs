import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, launch, person, screenshot, start, waitForStatus } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

let browser;
let a, b;
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll([a, b]);
  await browser?.close();
});

test('text-only mode pairs two text users over the data channel, without a camera', async () => {
  a = await person(browser, { name: 'T1', width: 390, height: 780 });
  b = await person(browser, { name: 'T2' });
  await start(a.page, 'text');
  await start(b.page, 'text');
  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(b.page, 'Connected')]);

  for (const p of [a, b]) {
    assert.equal(await p.page.locator('video').count(), 0, 'no video in text mode');
    assert.equal(await p.page.getByRole('button', { name: 'Mute microphone' }).count(), 0);
    const cameras = await p.page.evaluate(() => window.__serendipStats?.()?.video ?? null);
    assert.equal(cameras, null);
  }
  await b.page.getByRole('textbox', { name: 'Message' }).fill('just text 👋');
  await b.page.getByRole('button', { name: 'Send', exact: true }).click();
  await a.page.getByRole('log', { name: 'Chat' }).getByText('just text 👋').waitFor();
  await a.page.getByRole('button', { name: 'React with heart' }).click();
  await b.page.getByRole('img', { name: 'Stranger reacted with heart' }).waitFor({ timeout: 5000 });
  await screenshot(a.page, 'text-chat-phone.png');
  await assertAccessible(a.page, 'the text chat on a phone');

  await a.page.getByRole('button', { name: 'Stop' }).click();
  await waitForStatus(b.page, 'Stranger left');
});
