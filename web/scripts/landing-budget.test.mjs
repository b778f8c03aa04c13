// The landing page's byte budget, on the built app (web/dist, `npm run build`):
// the JavaScript `/` needs (the entry scripts of index.html and every module
// they import statically; dynamic imports, loaded on Start or Settings, are not
// counted) must stay within 60 KB gzipped, and the page must paint without it
// (the landing markup is in index.html). Bytes, not timings: it holds on any
// machine. Run by scripts/test.sh (suite `budget`); Lighthouse's figures are
// `make bench` (scripts/bench.sh lighthouse).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';

const DIST = process.env.SERENDIP_WEB_DIST ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
export const LANDING_JS_BUDGET = 60 * 1024; // gzipped bytes

const html = () => readFileSync(join(DIST, 'index.html'), 'utf8');
const gzipBytes = (file) => gzipSync(readFileSync(file)).length;

/** '/assets/x.js' for every module script and modulepreload of the page. */
export function entryScripts(page) {
  const out = new Set();
  for (const m of page.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)) out.add(m[1]);
  for (const m of page.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) out.add(m[1]);
  return [...out];
}

/** The page's entry scripts and everything they import statically, as URL paths. */
export async function landingScripts(page) {
  await init;
  const seen = new Set();
  const queue = entryScripts(page);
  while (queue.length) {
    const url = queue.pop();
    if (seen.has(url)) continue;
    seen.add(url);
    const [imports] = parse(readFileSync(join(DIST, url), 'utf8'));
    for (const i of imports) {
      if (i.d !== -1 || !i.n) continue; // dynamic import(): loaded later, on demand
      queue.push(new URL(i.n, 'http://x' + url).pathname);
    }
  }
  return [...seen].sort();
}

test('the built web app is there', () => {
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST}/index.html is missing: build the web app first (make web)`);
});

test('the landing page needs at most 60 KB of gzipped JavaScript', async (t) => {
  const files = await landingScripts(html());
  assert.ok(files.length > 0, 'index.html loads no script');
  let total = 0;
  for (const f of files) {
    const bytes = gzipBytes(join(DIST, f));
    total += bytes;
    t.diagnostic(`${f}: ${bytes} bytes gzipped`);
  }
  t.diagnostic(`landing JavaScript: ${total} bytes gzipped (budget ${LANDING_JS_BUDGET})`);
  assert.ok(total <= LANDING_JS_BUDGET, `the landing page needs ${total} gzipped bytes of JavaScript, over the budget of ${LANDING_JS_BUDGET}`);
});

test('the landing page paints before any script: its markup is in index.html', () => {
  const page = html();
  const root = page.match(/<div id="root">([\s\S]*?)<\/div>\s*<template data-landing="chip">/)?.[1] ?? '';
  assert.match(root, /<h1\b[^>]*>Meet someone new\.<\/h1>/, 'the prerendered heading');
  assert.match(root, /data-landing="form"/, 'the prerendered form');
  assert.match(root, /type="submit"[^>]*>Start<\/button>/, 'the Start button');
  // Nothing blocks rendering but the one stylesheet: no classic scripts, no web fonts.
  assert.doesNotMatch(page, /<script(?![^>]*type="module")[^>]*\bsrc=/, 'a classic (blocking) script');
  assert.doesNotMatch(page, /fonts\.googleapis|@font-face|rel="preload"[^>]*as="font"/, 'a web font');
});

test('the call app, WebRTC code and settings are not part of the landing JavaScript', async () => {
  const files = await landingScripts(html());
  for (const f of files) {
    const code = readFileSync(join(DIST, f), 'utf8');
    // (assert.ok, not doesNotMatch: a failure would print the whole chunk)
    assert.ok(!/RTCPeerConnection/.test(code), `${f} holds WebRTC code`);
    assert.ok(!/createRoot|react\.element|__REACT_DEVTOOLS/i.test(code), `${f} holds React`);
  }
});

// A service worker whose precache list names a file the build did not write never installs
// (cache.addAll fails on the 404), and the app is then not available offline.
test('every file the service worker precaches is in the build', () => {
  const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
  const list = JSON.parse(/const PRECACHE = (\[[\s\S]*?\]);/.exec(sw)?.[1] ?? 'null');
  assert.ok(Array.isArray(list) && list.length > 0, 'sw.js has a PRECACHE list');
  const missing = list.filter((p) => !existsSync(join(DIST, p === '/' ? 'index.html' : p.slice(1))));
  assert.deepEqual(missing, [], 'precached but not built');
});
