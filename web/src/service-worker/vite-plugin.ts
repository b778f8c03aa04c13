// Emits the hand-written service worker (sw.js beside this file) with the list
// of files that make up the call app's shell in this build, and a version
// derived from them, so every release replaces the previous cache.
//
// Only what the call app can load is precached: its entry chunk (`index`) and
// everything reachable from it through static and dynamic imports, with the
// CSS and assets those chunks import. Other entries (the moderators' dashboard,
// admin.html) and the chunks only they use stay out of the call app's cache.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/** The HTML shell (`/` is index.html), the manifest and the icons it links. */
const SHELL_EXTRAS = ['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png'];

/** The parts of a Rolldown/Vite output bundle this plugin reads. */
export interface BundleChunk {
  type: 'chunk';
  name: string;
  isEntry: boolean;
  imports: readonly string[];
  dynamicImports: readonly string[];
  viteMetadata?: { importedCss: ReadonlySet<string>; importedAssets: ReadonlySet<string> };
}
export type BundleLike = Record<string, BundleChunk | { type: 'asset' }>;

/**
 * The output files (bundle keys, e.g. `assets/index-abc.js`) reachable from the
 * entry chunk named `entry`, sorted. Throws if there is no such entry.
 */
export function reachableFiles(bundle: BundleLike, entry = 'index'): string[] {
  const start = Object.entries(bundle).find(([, c]) => c.type === 'chunk' && c.isEntry && c.name === entry);
  if (!start) throw new Error(`service worker: no entry chunk named "${entry}" in the bundle`);
  const seen = new Set<string>();
  const queue = [start[0]];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const chunk = bundle[file];
    if (!chunk || chunk.type !== 'chunk') continue;
    queue.push(...chunk.imports, ...chunk.dynamicImports);
    for (const f of chunk.viteMetadata?.importedCss ?? []) seen.add(f);
    for (const f of chunk.viteMetadata?.importedAssets ?? []) seen.add(f);
  }
  return [...seen].filter((f) => !f.endsWith('.map')).sort();
}

/**
 * The safety shield's worker bundle (vite.config.ts names its files
 * `assets/shield-*`): the worker script, TensorFlow.js, the model's chunks and
 * the WASM binaries. Vite builds a worker apart from the page, so its chunks
 * are not in the call app's import graph; the call app starts the worker, so
 * they belong in its cache (the call app works offline once installed).
 */
export function shieldFiles(bundle: BundleLike): string[] {
  return Object.keys(bundle)
    .filter((f) => f.startsWith('assets/shield-') && !f.endsWith('.map'))
    .sort();
}

/** The precache list: the shell extras, then the call app's files (with the shield's) as URL paths. */
export function precacheList(bundle: BundleLike, entry = 'index'): string[] {
  const files = new Set([...reachableFiles(bundle, entry), ...shieldFiles(bundle)]);
  return [...SHELL_EXTRAS, ...[...files].sort().map((f) => '/' + f)];
}

export function serviceWorker(): Plugin {
  return {
    name: 'serendip-service-worker',
    apply: 'build',
    // After Vite's own generateBundle hooks: they drop the empty JavaScript chunk of a
    // stylesheet that two pages share (index.html and privacy.html link one CSS file), and a
    // list made before would name a file that is never written (the install would fail on it).
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const precache = precacheList(bundle as unknown as BundleLike);
        const version = createHash('sha256').update(precache.join('\n')).digest('hex').slice(0, 12);
        const template = readFileSync(resolve(import.meta.dirname, 'sw.js'), 'utf8');
        this.emitFile({
          type: 'asset',
          fileName: 'sw.js',
          source: template.replace('__VERSION__', version).replace('__PRECACHE__', JSON.stringify(precache, null, 2)),
        });
      },
    },
  };
}
