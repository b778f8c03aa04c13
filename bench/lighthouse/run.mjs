// Lighthouse on one URL with Lighthouse's default mobile profile (simulated
// slow 4G, 4x CPU slowdown, a Moto G Power sized screen), in Debian's Chromium.
// Runs it RUNS times (default 3) and prints the median run's figures, one
// `key=value` per line, then a short table (scripts/bench.sh lighthouse).
// Usage: node run.mjs URL [--runs=N] [--json=FILE]
import { writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const args = process.argv.slice(2);
const url = args.find((a) => !a.startsWith('--'));
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
if (!url) {
  console.error('usage: node run.mjs URL [--runs=N] [--json=FILE]');
  process.exit(2);
}
const runs = Number(opt('runs', 3));
const jsonFile = opt('json', '');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function once() {
  // A fresh browser per run: no HTTP cache, no service worker from an earlier run.
  const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium', chromeFlags: FLAGS });
  try {
    const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error' });
    return result.lhr;
  } finally {
    await chrome.kill();
  }
}

const reports = [];
for (let i = 0; i < runs; i++) reports.push(await once());

const score = (lhr, c) => lhr.categories[c]?.score ?? NaN;
const num = (lhr, a) => lhr.audits[a]?.numericValue ?? NaN;
// Script bytes on the wire, as Lighthouse recorded them (the server's encoding).
const scriptBytes = (lhr) =>
  (lhr.audits['network-requests']?.details?.items ?? [])
    .filter((r) => r.resourceType === 'Script')
    .reduce((sum, r) => sum + (r.transferSize ?? 0), 0);
const figures = (lhr) => ({
  performance: score(lhr, 'performance'),
  accessibility: score(lhr, 'accessibility'),
  best_practices: score(lhr, 'best-practices'),
  seo: score(lhr, 'seo'),
  fcp_ms: Math.round(num(lhr, 'first-contentful-paint')),
  lcp_ms: Math.round(num(lhr, 'largest-contentful-paint')),
  tbt_ms: Math.round(num(lhr, 'total-blocking-time')),
  cls: Number(num(lhr, 'cumulative-layout-shift').toFixed(3)),
  speed_index_ms: Math.round(num(lhr, 'speed-index')),
  transfer_bytes: Math.round(num(lhr, 'total-byte-weight')),
  script_transfer_bytes: scriptBytes(lhr),
});

// The median run by performance score (then LCP), so every figure comes from one real run.
const all = reports.map(figures);
const order = all.map((f, i) => i).sort((a, b) => all[a].performance - all[b].performance || all[b].lcp_ms - all[a].lcp_ms);
const median = all[order[Math.floor((order.length - 1) / 2)]];
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(reports[order[Math.floor((order.length - 1) / 2)]], null, 1));

for (const [k, v] of Object.entries(median)) console.log(`${k}=${v}`);
console.log('');
console.log(`Lighthouse ${reports[0].lighthouseVersion}, mobile profile (simulated slow 4G, 4x CPU), ${url}: median of ${runs} runs`);
console.log(`  performance ${median.performance} (all runs: ${all.map((f) => f.performance).join(', ')}); target >= 0.95`);
console.log(`  first contentful paint ${(median.fcp_ms / 1000).toFixed(2)} s`);
console.log(`  largest contentful paint ${(median.lcp_ms / 1000).toFixed(2)} s; target <= 2.0 s`);
console.log(`  total blocking time ${median.tbt_ms} ms; target <= 150 ms`);
console.log(`  cumulative layout shift ${median.cls}, speed index ${(median.speed_index_ms / 1000).toFixed(2)} s`);
console.log(`  transferred ${(median.transfer_bytes / 1024).toFixed(1)} KiB, of which scripts ${(median.script_transfer_bytes / 1024).toFixed(1)} KiB`);
console.log(`  accessibility ${median.accessibility}, best practices ${median.best_practices}, SEO ${median.seo}`);
console.log('  every run (performance, FCP, LCP, TBT):');
for (const f of all) console.log(`    ${f.performance}  ${f.fcp_ms} ms  ${f.lcp_ms} ms  ${f.tbt_ms} ms`);
