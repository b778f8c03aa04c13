// Benchmark (make bench, scripts/bench.sh shield): what the safety shield costs
// per frame with the real model on the CPU and WASM backends in Debian's
// headless Chromium, both fake cameras playing the generated safe video
// (e2e/lib/y4m.mjs). Prints the figures of docs/shield.md as TAP diagnostics;
// fails only if the page's main thread spends 25 ms or more per frame (it only
// grabs, downscales and posts a frame: the model runs in the worker).
// The test-only tuning (localStorage `serendip.shield.test`, docs/shield.md)
// picks the backend and turns the per-frame statistics on.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { closeAll, eventually, launch, person, start, waitForStatus } from '../lib/harness.mjs';
import { writeSafeY4m } from '../lib/y4m.mjs';

let browser;
const people = [];

before(async () => {
  const y4m = writeSafeY4m(join(mkdtempSync(join(tmpdir(), 'serendip-y4m-')), 'safe.y4m'));
  browser = await launch({ extraArgs: [`--use-file-for-fake-video-capture=${y4m}`] });
});
after(async () => {
  await closeAll(people);
  await browser?.close();
});

const mean = (xs) => Math.round((xs.reduce((x, y) => x + y, 0) / xs.length) * 10) / 10;

for (const backend of ['cpu', 'wasm']) {
  test(`safety shield per-frame cost, ${backend} backend`, async (t) => {
    const measured = await person(browser, { name: `cost-${backend}` });
    const peer = await person(browser, { name: `cost-${backend}-peer` });
    people.push(measured, peer);
    await measured.page.evaluate((v) => localStorage.setItem('serendip.shield.test', v), JSON.stringify({ backend, stats: true }));
    for (const p of [measured, peer]) await start(p.page);
    for (const p of [measured, peer]) await waitForStatus(p.page, 'Connected', 30_000);
    // The CPU backend takes seconds per frame here: fewer frames, and the back-off at its slowest.
    const want = backend === 'cpu' ? 5 : 12;
    const stats = await eventually(
      async () => {
        const st = await measured.page.evaluate(() => window.__serendipShield);
        return st && st.frames >= want ? st : null;
      },
      { timeout: 150_000, interval: 500, message: `${want} frames classified on ${backend}` },
    );
    assert.equal(stats.backend, backend);
    const warm = stats.workerMs.slice(backend === 'cpu' ? 1 : 2); // the first frames warm the backend up
    const sorted = [...warm].sort((x, y) => x - y);
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
    t.diagnostic(
      `shield ${backend}: model load ${stats.loadMs} ms; worker per frame mean ${mean(warm)} ms, p95 ${p95} ms, ` +
        `first ${stats.workerMs[0]} ms; main thread per frame mean ${mean(stats.mainMs)} ms, max ${Math.max(...stats.mainMs)} ms; ` +
        `long tasks ${stats.longTasks}; sampling interval now ${stats.intervalMs} ms`,
    );
    assert.ok(mean(stats.mainMs) < 25, `main thread ${mean(stats.mainMs)} ms per frame`);
    for (const p of [measured, peer]) await p.page.getByRole('button', { name: 'Stop', exact: true }).click().catch(() => {});
  });
}
