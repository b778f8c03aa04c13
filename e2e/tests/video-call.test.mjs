import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeAll, eventually, launch, person, remoteVideoSize, screenshot, start, stats, status, waitForStatus } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

let browser;
let a, b, c;
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll([a, b, c]);
  await browser?.close();
});

test('two strangers are matched and see each other', async () => {
  a = await person(browser, { name: 'A' });
  b = await person(browser, { name: 'B' });
  await start(a.page);
  await waitForStatus(a.page, 'Searching for a stranger…');
  await start(b.page);
  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(b.page, 'Connected')]);

  for (const p of [a, b]) {
    const s = await eventually(async () => {
      const v = await stats(p.page);
      return v?.video?.framesDecoded > 0 && v;
    }, { message: `${p.name} decodes the stranger's video` });
    assert.ok(s.video.framesDecoded > 0);
    assert.equal(s.route, 'direct');
    const size = await eventually(async () => {
      const v = await remoteVideoSize(p.page);
      return v.w > 0 && v;
    }, { message: `${p.name}'s remote video has a size` });
    assert.equal(size.paused, false);
    // The quality badge shows what getStats says.
    await p.page.getByRole('img', { name: /^Connection quality: .*Direct/ }).waitFor();
  }
});

test('chat and reactions arrive on the other side', async () => {
  await a.page.getByRole('textbox', { name: 'Message' }).fill('Hello from A!');
  await a.page.getByRole('button', { name: 'Send', exact: true }).click();
  await b.page.getByRole('log', { name: 'Chat' }).getByText('Hello from A!').waitFor();
  await b.page.getByRole('textbox', { name: 'Message' }).fill('Hi A, B here');
  await b.page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await a.page.getByRole('log', { name: 'Chat' }).getByText('Hi A, B here').waitFor();

  await a.page.getByRole('button', { name: 'React with thumbs up' }).click();
  await b.page.getByRole('img', { name: 'Stranger reacted with thumbs up' }).waitFor({ timeout: 5000 });
  await a.page.getByRole('img', { name: 'You reacted with thumbs up' }).waitFor({ timeout: 5000 });
  await screenshot(a.page, 'call.png');
  await assertAccessible(a.page, 'the video call screen');
  await screenshot(b.page, 'call-b.png');
});

test('muting shows on the other side, in the UI and in the audio stats', async () => {
  const energyOver = async (page, ms) => {
    const before = (await stats(page))?.audio?.totalAudioEnergy ?? 0;
    await new Promise((r) => setTimeout(r, ms));
    const later = (await stats(page))?.audio?.totalAudioEnergy ?? 0;
    return later - before;
  };
  const speaking = await eventually(async () => (await energyOver(b.page, 2500)) > 0, { timeout: 20_000, message: 'audio energy from A' });
  assert.ok(speaking);

  await a.page.getByRole('button', { name: 'Mute microphone' }).click();
  await a.page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
  await b.page.getByText('Stranger is muted').waitFor({ timeout: 5000 });
  await new Promise((r) => setTimeout(r, 2500)); // let the silence reach the stats
  const silent = await energyOver(b.page, 4500);
  assert.ok(silent < 1e-4, `audio energy after mute should be ~0, got ${silent}`);

  await a.page.getByRole('button', { name: 'Unmute microphone' }).click();
  await b.page.getByText('Stranger is muted').waitFor({ state: 'detached', timeout: 5000 });

  await a.page.getByRole('button', { name: 'Turn camera off' }).click();
  await b.page.getByText("Stranger's camera is off").waitFor({ timeout: 5000 });
  await a.page.getByRole('button', { name: 'Turn camera on' }).click();
  await b.page.getByText("Stranger's camera is off").waitFor({ state: 'detached', timeout: 5000 });
});

test('Next pairs A with a third stranger, and B sees that the stranger left', async () => {
  c = await person(browser, { name: 'C', width: 360, height: 740 });
  await start(c.page);
  await waitForStatus(c.page, 'Searching for a stranger…');

  await a.page.getByRole('button', { name: 'Next', exact: true }).click();
  await waitForStatus(b.page, 'Stranger left');
  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(c.page, 'Connected')]);
  // A talks to C now: a fresh transcript, and C's video.
  assert.equal(await a.page.getByRole('log', { name: 'Chat' }).getByText('Hello from A!').count(), 0);
  await eventually(async () => (await remoteVideoSize(c.page)).w > 0, { message: "C sees A's video" });
  await c.page.getByRole('textbox', { name: 'Message' }).fill('Hey, C on a phone here');
  await c.page.getByRole('button', { name: 'Send', exact: true }).click();
  await a.page.getByRole('log', { name: 'Chat' }).getByText('Hey, C on a phone here').waitFor();
  await screenshot(c.page, 'call-phone.png');
  await assertAccessible(c.page, 'the video call screen on a phone');
  // B is not shown anyone's last frame.
  assert.equal(await b.page.getByRole('region', { name: "Stranger's video" }).locator('video').count(), 0);
  await screenshot(b.page, 'stranger-left.png');
  await assertAccessible(b.page, 'the Stranger left screen');

  // Esc is Next: C moves on, A is left.
  await c.page.keyboard.press('Escape');
  await waitForStatus(a.page, 'Stranger left');
  assert.match(await status(c.page).innerText(), /Searching for a stranger…|Connecting…|Connected/);

  await b.page.getByRole('button', { name: 'Stop' }).click();
  await b.page.getByRole('button', { name: 'Start', exact: true }).waitFor();
});
