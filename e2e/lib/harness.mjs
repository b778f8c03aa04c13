// Shared set-up for the browser tests: Debian's Chromium with fake camera and
// microphone (flags from shared/TOOLING.md), one browser context per simulated
// person, and helpers that act as a person would: by role and accessible name.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.SERENDIP_BASE_URL ?? 'http://127.0.0.1:8080';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** `extraArgs`: more Chromium flags, e.g. a fake camera file (--use-file-for-fake-video-capture). */
export async function launch({ extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [...FLAGS, ...extraArgs],
    headless: true,
  });
}

/** A new person: own context (own localStorage, so own device id and token). */
export async function person(browser, { width = 1280, height = 800, name = 'person' } = {}) {
  const context = await browser.newContext({
    viewport: { width, height },
    locale: 'en-US',
    permissions: ['camera', 'microphone'],
    serviceWorkers: 'block',
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`[${name}] page error:`, err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[${name}] console:`, msg.text());
  });
  // A <video> holding a MediaStream can delay `load` forever: wait for the DOM only.
  await page.goto(BASE_URL + '/', { waitUntil: 'domcontentloaded' });
  return { context, page, name };
}

/** Landing page to searching: choose the mode, confirm age, press Start. */
export async function start(page, mode = 'video') {
  await page.getByRole('radio', { name: mode === 'video' ? 'Video' : 'Text only' }).check();
  await page.getByRole('checkbox', { name: 'I am 18 or older' }).check();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
}

export const status = (page) => page.getByRole('status');

/** Waits until the page's status region says `text`. */
export async function waitForStatus(page, text, timeout = 20_000) {
  await status(page).filter({ hasText: text }).waitFor({ timeout });
}

/** Polls fn until it returns a truthy value, or throws after timeout. */
export async function eventually(fn, { timeout = 15_000, interval = 250, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${message}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** The app's read-only getStats summary (window.__serendipStats). */
export function stats(page) {
  return page.evaluate(() => (window.__serendipStats ? window.__serendipStats() : null));
}

/** Size of the stranger's video as the page shows it. */
export function remoteVideoSize(page) {
  return page.getByRole('region', { name: "Stranger's video" }).locator('video').evaluate((v) => ({ w: v.videoWidth, h: v.videoHeight, paused: v.paused }));
}

export async function screenshot(page, file) {
  await page.screenshot({ path: join(ARTIFACTS, file) });
}

export async function closeAll(people) {
  await Promise.all(people.filter(Boolean).map((p) => p.context.close().catch(() => {})));
}
