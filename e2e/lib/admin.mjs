// Helpers for the moderators' dashboard tests: the bootstrap admin's
// credentials (scripts/e2e.sh makes them and starts the server with
// SERENDIP_ADMIN_BOOTSTRAP), a moderator's browser context, and sign-in done
// as a person would: by role and accessible name.
import { BASE_URL } from './harness.mjs';

const [user, ...rest] = (process.env.SERENDIP_E2E_ADMIN ?? '').split(':');
export const ADMIN = { username: user ?? '', password: rest.join(':') };
export const hasAdmin = ADMIN.username !== '' && ADMIN.password !== '';

/** A moderator at a desk: a wide window, no camera, its own storage. */
export async function moderator(browser, { width = 1440, height = 960 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[moderator] page error:', err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of (401|403|429)/.test(msg.text())) console.error('[moderator] console:', msg.text());
  });
  return { context, page, name: 'moderator' };
}

export async function openAdmin(page, path = '/admin') {
  await page.goto(BASE_URL + path, { waitUntil: 'domcontentloaded' });
}

export async function signIn(page, username = ADMIN.username, password = ADMIN.password) {
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByRole('textbox', { name: 'Username' }).fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** Follows a link in the dashboard's navigation. */
export async function goTo(page, name) {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: new RegExp('^' + name) }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}
