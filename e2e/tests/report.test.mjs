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

/** Records the server's direct replies to the page's `report` messages (observed, not injected). */
function watchReportReplies(page) {
  const sent = new Set();
  const replies = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      try {
        const m = JSON.parse(String(payload));
        if (m.type === 'report') sent.add(m.id);
      } catch {}
    });
    ws.on('framereceived', ({ payload }) => {
      try {
        const m = JSON.parse(String(payload));
        if ((m.type === 'report_ack' || m.type === 'error') && sent.has(m.re)) replies.push(m);
      } catch {}
    });
  });
  return replies;
}

test('a report filed from the modal is acknowledged and moves on', async (t) => {
  a = await person(browser, { name: 'R1' });
  b = await person(browser, { name: 'R2' });
  const replies = watchReportReplies(a.page);
  await start(a.page, 'text');
  await start(b.page, 'text');
  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(b.page, 'Connected')]);

  await a.page.getByRole('button', { name: 'Report', exact: true }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Report' });
  await dialog.waitFor();
  await dialog.getByRole('combobox', { name: 'Reason' }).selectOption({ label: 'Spam or advertising' });
  await dialog.getByRole('textbox', { name: /Comment/ }).fill('kept posting links');
  await screenshot(a.page, 'report-dialog.png');
  await assertAccessible(a.page, 'the Report dialog');
  await dialog.getByRole('button', { name: 'Send report' }).click();
  await dialog.waitFor({ state: 'detached' });

  // Reporting moves on: the reporter searches again, the reported one is left.
  await waitForStatus(a.page, 'Searching for a stranger…');
  await waitForStatus(b.page, 'Stranger left');

  // The outcome is shown to the reporter: acknowledged, or the server's refusal with its code.
  const outcome = a.page.getByText(/Thanks, your report was received\.|We could not file the report/);
  await outcome.waitFor({ timeout: 15_000 });
  await screenshot(a.page, 'report-outcome.png');
  await assertAccessible(a.page, 'the report outcome notice');
  assert.equal(replies.length, 1, 'the server answered the report once');
  const [reply] = replies;
  if (reply.type === 'error' && /not available/i.test(reply.message)) {
    // The server's reporting (its issue 5) has not landed yet: it says so, and the UI shows it.
    t.diagnostic(`server does not store reports yet: error ${reply.code}: ${reply.message}`);
    assert.equal(await outcome.innerText(), `We could not file the report (${reply.code}). Please try again later.`);
    return;
  }
  assert.equal(reply.type, 'report_ack', `server replied ${JSON.stringify(reply)}`);
  assert.equal(await outcome.innerText(), 'Thanks, your report was received.');
});
