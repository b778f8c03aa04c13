// The moderators' dashboard end to end, against the real server: a video call
// between two fake-camera browsers, a report with a hostile comment, the
// moderator finding it at /admin and blocking the device, the reported
// browser banned and appealing, the appeal accepted, and the audit log
// showing all of it. Screenshots of every admin page go to e2e/artifacts/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, goTo, hasAdmin, moderator, openAdmin, signIn } from '../lib/admin.mjs';
import { BASE_URL, closeAll, eventually, launch, person, screenshot, start, waitForStatus } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

const XSS = '<img src=x onerror=window.__xss=1>';
const COMMENT = `${XSS} kept insulting me`;
const APPEAL = 'That was my little brother on my laptop, sorry. It will not happen again.';

let browser;
let a, b, mod;
const ids = {};
before(async () => {
  browser = await launch();
});
after(async () => {
  await closeAll([a, b, mod]);
  await browser?.close();
});

const skip = hasAdmin ? false : 'needs SERENDIP_E2E_ADMIN=user:password (scripts/e2e.sh sets it)';

test('a stranger is reported from the call with a hostile comment', { skip }, async () => {
  a = await person(browser, { name: 'reporter' });
  b = await person(browser, { name: 'reported' });
  await start(a.page);
  await start(b.page);
  await Promise.all([waitForStatus(a.page, 'Connected'), waitForStatus(b.page, 'Connected')]);

  await a.page.getByRole('button', { name: 'Report', exact: true }).click();
  const dialog = a.page.getByRole('dialog', { name: 'Report' });
  await dialog.getByRole('combobox', { name: 'Reason' }).selectOption({ label: 'Harassment or hate' });
  await dialog.getByRole('textbox', { name: /Comment/ }).fill(COMMENT);
  await dialog.getByRole('button', { name: 'Send report' }).click();
  await a.page.getByText('Thanks, your report was received.').waitFor({ timeout: 15_000 });
  await waitForStatus(b.page, 'Stranger left');
});

test('a wrong password is refused, then the moderator signs in', { skip }, async () => {
  mod = await moderator(browser);
  await openAdmin(mod.page);
  await mod.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await assertAccessible(mod.page, 'the dashboard login page');
  await signIn(mod.page, ADMIN.username, 'not-the-password');
  await mod.page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
  await screenshot(mod.page, 'admin-login-error.png');
  await assertAccessible(mod.page, 'the dashboard login page (wrong password)');

  await signIn(mod.page);
  await mod.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  // Live figures: the pending report is counted, the one match is in the heatmap.
  await eventually(async () => /^[1-9]/.test(await mod.page.getByRole('group', { name: 'Reports pending' }).locator('p').nth(1).innerText()), {
    message: 'the dashboard counts the pending report',
  });
  await mod.page.getByRole('img', { name: /wait for a match by region and UTC hour\. Slowest:/ }).waitFor();
  await screenshot(mod.page, 'admin-dashboard.png');
  await assertAccessible(mod.page, 'the dashboard overview');
});

test('the moderator finds the report, sees the comment as text, and blocks the device', { skip }, async () => {
  await goTo(mod.page, 'Reports');
  const queue = mod.page.getByRole('list', { name: 'Report queue' });
  const item = queue.getByRole('link', { name: /kept insulting me/ });
  await item.click();
  const detail = mod.page.getByRole('article', { name: /^Report \d+$/ });
  await detail.waitFor();
  ids.report = Number((await detail.getByRole('heading', { level: 2 }).first().innerText()).replace(/\D/g, ''));

  // The comment is shown exactly as typed, as text: no <img> was made, no handler ran.
  const comment = detail.getByRole('region', { name: "Reporter's comment" });
  assert.equal(await comment.locator('blockquote').innerText(), COMMENT);
  assert.equal(await comment.locator('img').count(), 0);
  assert.equal(await mod.page.evaluate(() => window.__xss), undefined);
  await detail.getByText('1 distinct reporter').waitFor();
  await detail.getByText('0 prior blocks').waitFor();

  // The shortcuts are on screen; accept with the keyboard (a) after choosing the options.
  await mod.page.getByRole('region', { name: 'Keyboard shortcuts' }).getByText('Accept with the block options shown').waitFor();
  const decision = detail.getByRole('region', { name: 'Decision' });
  assert.equal(await decision.getByRole('checkbox', { name: 'Device' }).isChecked(), true);
  assert.equal(await decision.getByRole('checkbox', { name: 'IP address' }).isChecked(), false); // everyone here shares 127.0.0.1
  await decision.getByRole('combobox', { name: 'Block duration' }).selectOption({ label: '1 day' });
  await decision.getByRole('textbox', { name: /Note/ }).fill('insults in the call');
  await screenshot(mod.page, 'admin-report.png');
  await assertAccessible(mod.page, 'a report in the dashboard');
  await mod.page.getByRole('heading', { level: 1, name: 'Reports' }).click(); // focus out of the note: shortcuts do not fire while typing
  await mod.page.keyboard.press('a');
  const done = mod.page.getByRole('status').filter({ hasText: `Report ${ids.report} accepted: device blocked for 1 day` });
  await done.waitFor();
  ids.block = Number((await done.innerText()).match(/block (\d+)/)[1]);
  await mod.page.getByText('The queue is empty. Nothing to review.').waitFor();
  await screenshot(mod.page, 'admin-reports-done.png');
  await assertAccessible(mod.page, 'the empty report queue');
});

test('the reported browser is told it is banned and files an appeal', { skip }, async () => {
  await b.page.getByRole('alert').filter({ hasText: 'You are blocked from Serendip until' }).waitFor({ timeout: 15_000 });
  const form = b.page.getByRole('form', { name: 'Appeal the block' });
  await form.getByRole('textbox', { name: 'Your appeal' }).fill(APPEAL);
  await screenshot(b.page, 'call-banned.png');
  await assertAccessible(b.page, 'the banned notice with the appeal form');
  await form.getByRole('button', { name: 'Send appeal' }).click();
  await b.page.getByRole('status').filter({ hasText: 'Your appeal was sent. A moderator will review it.' }).waitFor();
  await screenshot(b.page, 'call-appeal-sent.png');
  await assertAccessible(b.page, 'the appeal sent notice');

  // A new session is refused while the block stands.
  await start(b.page);
  await b.page.getByRole('alert').filter({ hasText: 'You are blocked from Serendip' }).waitFor({ timeout: 15_000 });
});

test('the blocks page lists the device block', { skip }, async () => {
  await goTo(mod.page, 'Blocks');
  const row = mod.page.getByRole('table', { name: 'Blocks' }).getByRole('row').filter({ hasText: `Report ${ids.report}` });
  await row.getByRole('button', { name: `Lift block ${ids.block}` }).waitFor();
  await screenshot(mod.page, 'admin-blocks.png');
  await assertAccessible(mod.page, 'the blocks page');
});

test('the moderator reads the appeal and accepts it with a reason', { skip }, async () => {
  await goTo(mod.page, 'Appeals');
  await mod.page.getByRole('list', { name: 'Appeals' }).getByRole('button', { name: /my little brother/ }).click();
  const appeal = mod.page.getByRole('article', { name: /^Appeal \d+$/ });
  assert.equal(await appeal.getByRole('region', { name: 'Message from the blocked user' }).locator('blockquote').innerText(), APPEAL);
  await appeal.getByRole('region', { name: `Block ${ids.block}` }).getByText(`Report ${ids.report}`).waitFor();
  await appeal.getByRole('textbox', { name: 'Reason for the decision' }).fill('first offence, credible explanation');
  await screenshot(mod.page, 'admin-appeals.png');
  await assertAccessible(mod.page, 'the appeals page');
  await appeal.getByRole('button', { name: 'Accept appeal and lift block' }).click();
  await mod.page.getByRole('status').filter({ hasText: `block ${ids.block} lifted` }).waitFor();
});

test('the unblocked browser can start again', { skip }, async () => {
  await start(b.page);
  await waitForStatus(b.page, 'Searching for a stranger…');
  await b.page.getByRole('button', { name: 'Stop' }).click();
});

test('reputation of the reported device shows the report and the block', { skip }, async () => {
  await goTo(mod.page, 'Reports');
  await mod.page.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'All' });
  await mod.page.getByRole('list', { name: 'Report queue' }).getByRole('link', { name: /kept insulting me/ }).click();
  await mod.page.getByRole('region', { name: 'Reported user' }).getByRole('link', { name: 'Reputation of this device' }).click();
  await mod.page.getByRole('heading', { level: 1, name: 'Reputation' }).waitFor();
  await eventually(async () => (await mod.page.getByRole('group', { name: 'Reports received' }).innerText()).includes('1'), { message: 'reputation counts the report' });
  await eventually(async () => (await mod.page.getByRole('group', { name: 'Blocks ever' }).innerText()).includes('1'), { message: 'reputation counts the block' });
  await screenshot(mod.page, 'admin-reputation.png');
  await assertAccessible(mod.page, 'the reputation page');
});

test('the audit log shows the report, the decision, the block, the appeal and its decision, on a verified chain', { skip }, async () => {
  await goTo(mod.page, 'Audit log');
  await mod.page.getByRole('region', { name: 'Chain verification' }).getByText(/Chain verified: all \d+ entries intact/).waitFor();
  const table = mod.page.getByRole('table', { name: 'Audit entries' });
  const expected = [
    ['report.create', `report:${ids.report}`],
    ['report.accept', `report:${ids.report}`],
    ['block.create', `block:${ids.block}`],
    ['appeal.create', 'appeal:'],
    ['appeal.accept', 'appeal:'],
    ['block.lift', `block:${ids.block}`],
    ['admin.login', `account:${ADMIN.username}`],
  ];
  for (const [action, target] of expected) {
    await table.getByRole('row').filter({ hasText: action }).filter({ hasText: target }).first().waitFor();
  }
  await screenshot(mod.page, 'admin-audit.png');
  await assertAccessible(mod.page, 'the audit log');

  // Filters: only this report's entries.
  await mod.page.getByRole('textbox', { name: 'Target' }).fill(`report:${ids.report}`);
  await mod.page.getByRole('button', { name: 'Apply filters' }).click();
  await eventually(async () => (await table.getByRole('row').count()) === 3, { message: 'two entries (and the header) for the report' });
});

// Three strangers (scripted protocol clients in a page of the app's origin, so
// the server sees real browser sockets) report one user in turn.
async function threeReportsAgainstOneUser(page) {
  return page.evaluate(async () => {
    const lang = 'eu';
    const wsUrl = `${location.origin.replace(/^http/, 'ws')}/ws`;
    async function client(name) {
      const deviceId = `e2e-${name}-${crypto.randomUUID()}`;
      const res = await fetch('/api/v1/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceId }) });
      if (!res.ok) throw new Error(`${name}: session ${res.status}`);
      const { token } = await res.json();
      const ws = new WebSocket(wsUrl);
      const inbox = [];
      const waiters = [];
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'ping') return ws.send(JSON.stringify({ type: 'pong' }));
        const i = waiters.findIndex((w) => w.types.includes(m.type));
        if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
        else inbox.push(m);
      };
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error(`${name}: socket error`)); });
      const next = (...types) => {
        const i = inbox.findIndex((m) => types.includes(m.type));
        if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
        return new Promise((resolve, reject) => {
          waiters.push({ types, resolve });
          setTimeout(() => reject(new Error(`${name}: no ${types.join('/')} within 5 s`)), 5000);
        });
      };
      const send = (m) => ws.send(JSON.stringify(m));
      send({ type: 'hello', token });
      const welcome = await next('welcome', 'error', 'banned');
      if (welcome.type !== 'welcome') throw new Error(`${name}: ${JSON.stringify(welcome)}`);
      return { send, next, userId: welcome.userId, ws };
    }
    const target = await client('target');
    for (let i = 0; i < 3; i++) {
      const reporter = await client(`reporter${i}`);
      target.send({ type: 'join', mode: 'text', languages: [lang] });
      await target.next('queued');
      reporter.send({ type: 'join', mode: 'text', languages: [lang] });
      const m = await reporter.next('matched');
      await target.next('matched');
      reporter.send({ type: 'report', sessionId: m.sessionId, reason: 'spam', comment: `priority check ${i + 1}`, id: 1 });
      const ack = await reporter.next('report_ack', 'error');
      if (ack.type !== 'report_ack') throw new Error(`reporter${i}: ${JSON.stringify(ack)}`);
      reporter.send({ type: 'leave' });
      if (i < 2) await target.next('peer_left');
      reporter.ws.close();
    }
    const banned = await target.next('banned');
    return { targetUser: target.userId, bannedReason: banned.reason };
  });
}

test('a user reported by three strangers is blocked automatically; their reports jump the queue, marked Priority', { skip }, async () => {
  const scripted = await browser.newPage();
  try {
    await scripted.goto(BASE_URL + '/', { waitUntil: 'domcontentloaded' });
    const { bannedReason } = await threeReportsAgainstOneUser(scripted);
    assert.match(bannedReason, /automatic/);
  } finally {
    await scripted.close();
  }
  await goTo(mod.page, 'Reports');
  await mod.page.reload({ waitUntil: 'domcontentloaded' });
  const queue = mod.page.getByRole('list', { name: 'Report queue' });
  await queue.getByRole('link', { name: /priority check 3/ }).waitFor();
  // The three reports come first, each marked Priority, oldest first.
  const items = queue.getByRole('link');
  for (let i = 0; i < 3; i++) {
    const item = items.nth(i);
    assert.match(await item.innerText(), new RegExp(`priority check ${i + 1}`));
    await item.getByText('Priority', { exact: true }).waitFor();
  }
  await items.first().click();
  await mod.page.getByText('Priority: blocked automatically pending review').waitFor();
  await screenshot(mod.page, 'admin-priority-queue.png');
  await assertAccessible(mod.page, 'the priority report queue');
});

test('the watch list shows the user that several people reported', { skip }, async () => {
  await goTo(mod.page, 'Watch list');
  const table = mod.page.getByRole('table', { name: 'Watch list' });
  await table.getByRole('row').filter({ hasText: 'Reported by several people' }).waitFor();
  await screenshot(mod.page, 'admin-watch-list.png');
  await assertAccessible(mod.page, 'the watch list');
});

test('the accounts page creates a moderator', { skip }, async () => {
  await goTo(mod.page, 'Accounts');
  const form = mod.page.getByRole('form', { name: 'New account' });
  await form.getByRole('textbox', { name: 'Username' }).fill('mia');
  await form.getByLabel('Password').fill('mia-password-1');
  await form.getByRole('button', { name: 'Create account' }).click();
  await mod.page.getByRole('status').filter({ hasText: 'Account mia created (moderator).' }).waitFor();
  await mod.page.getByRole('table', { name: 'Accounts' }).getByRole('row').filter({ hasText: 'mia' }).waitFor();
  await screenshot(mod.page, 'admin-accounts.png');
  await assertAccessible(mod.page, 'the accounts page');
});

test('sign out, and a session the server no longer accepts returns to the login page with a message', { skip }, async () => {
  await mod.page.getByRole('button', { name: 'Sign out' }).click();
  await mod.page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();

  // Signing in again returns to the page the moderator was on.
  await signIn(mod.page);
  await mod.page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  // What an expired or revoked token looks like to the dashboard: the next call gets 401.
  await mod.page.evaluate(() => {
    const key = 'serendip.admin.session';
    const s = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.setItem(key, JSON.stringify({ ...s, token: s.token.slice(0, -4) + 'AAAA' }));
  });
  await mod.page.reload({ waitUntil: 'domcontentloaded' });
  await mod.page.getByRole('status').filter({ hasText: 'Your session is no longer valid' }).waitFor({ timeout: 15_000 });
  await screenshot(mod.page, 'admin-login-expired.png');
  await assertAccessible(mod.page, 'the login page after an expired session');
});

test('the call app never loads the dashboard bundle, nor the dashboard the call app', async () => {
  const assets = async (path) => [...(await (await fetch(BASE_URL + path)).text()).matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => '/' + m[1]);
  const call = await assets('/');
  const dash = await assets('/admin');
  const dashOnly = dash.filter((a) => !call.includes(a));
  const callOnly = call.filter((a) => !dash.includes(a));
  assert.ok(dashOnly.some((a) => /\/admin-[\w-]+\.js$/.test(a)), `the dashboard has its own entry: ${dash}`);
  assert.ok(callOnly.some((a) => /\/index-[\w-]+\.js$/.test(a)), `the call app has its own entry: ${call}`);

  // What each page really requests, in a browser.
  const requested = async (path, ready) => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    const urls = [];
    page.on('request', (r) => urls.push(new URL(r.url()).pathname));
    await page.goto(BASE_URL + path, { waitUntil: 'domcontentloaded' });
    await ready(page);
    await context.close();
    return urls;
  };
  const callUrls = await requested('/', (p) => p.getByRole('button', { name: 'Start', exact: true }).waitFor());
  const dashUrls = await requested('/admin', (p) => p.getByRole('heading', { name: 'Sign in' }).waitFor());
  assert.deepEqual(callUrls.filter((u) => dashOnly.includes(u)), [], 'the call app loaded nothing of the dashboard');
  assert.deepEqual(dashUrls.filter((u) => callOnly.includes(u)), [], 'the dashboard loaded nothing of the call app');
});

// Last on purpose: five failures lock sign-in from this address for 15 minutes.
test('repeated wrong passwords are rate limited', { skip }, async () => {
  for (let i = 0; i < 6; i++) {
    await signIn(mod.page, 'nobody-here', 'wrong-password');
    const alert = mod.page.getByRole('alert');
    await alert.waitFor();
    if (/Too many failed sign-in attempts/.test(await alert.innerText())) break;
  }
  await mod.page.getByRole('alert').filter({ hasText: /Too many failed sign-in attempts\. Try again in \d+ (minutes?|seconds?)\./ }).waitFor();
  await screenshot(mod.page, 'admin-login-rate-limited.png');
  await assertAccessible(mod.page, 'the rate-limited login page');
});
