// "Hide my IP address (relay through the server)": relay-only ICE. With the
// test TURN relay (scripts/e2e.sh starts coturn when installed) the call goes
// through it; without a relay the app explains why it cannot connect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, eventually, launch, person, screenshot, start, stats, waitForStatus } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

const hasTurn = process.env.SERENDIP_E2E_TURN === '1';
let browser;
let a, b;
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll([a, b]);
  await browser?.close();
});

async function hideMyIp(page) {
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('checkbox', { name: 'Hide my IP address (relay through the server)' }).check();
  await dialog.getByRole('checkbox', { name: "Blur the stranger's video until I click" }).check();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
}

test(hasTurn ? 'hiding the IP address relays the call through TURN' : 'hiding the IP address without a relay explains the failure', async () => {
  a = await person(browser, { name: 'P1' });
  b = await person(browser, { name: 'P2' });
  await hideMyIp(a.page);
  await start(a.page);
  await start(b.page);

  if (!hasTurn) {
    await waitForStatus(a.page, 'Connection failed');
    await a.page.getByText(/asked to hide your IP address/).waitFor();
    await waitForStatus(b.page, 'Stranger left');
    return;
  }

  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(b.page, 'Connected')]);
  const s = await eventually(async () => {
    const v = await stats(a.page);
    return v?.route && v.video?.framesDecoded > 0 && v;
  }, { message: 'relayed video decoded' });
  assert.equal(s.route, 'relay');
  assert.equal(s.localCandidateType, 'relay');
  await a.page.getByRole('img', { name: /^Connection quality: .*Relayed/ }).waitFor({ timeout: 5000 });
  const peer = await eventually(async () => (await stats(b.page))?.video?.framesDecoded > 0 && stats(b.page), { message: 'P2 decodes' });
  assert.equal(peer.route, 'relay');

  // Blurred until clicked: the button reveals the stranger.
  const reveal = a.page.getByRole('button', { name: 'Show video' });
  await reveal.waitFor();
  await screenshot(a.page, 'blurred.png');
  await assertAccessible(a.page, "the call screen with the stranger's video blurred");
  await reveal.click();
  await reveal.waitFor({ state: 'detached' });
});
