import { describe, expect, it } from 'vitest';
import { precacheList, reachableFiles, type BundleChunk, type BundleLike } from './vite-plugin';

function chunk(name: string, opts: Partial<Omit<BundleChunk, 'viteMetadata'>> & { css?: string[]; assets?: string[] } = {}): BundleChunk {
  return {
    type: 'chunk',
    name,
    isEntry: opts.isEntry ?? false,
    imports: opts.imports ?? [],
    dynamicImports: opts.dynamicImports ?? [],
    viteMetadata: { importedCss: new Set(opts.css ?? []), importedAssets: new Set(opts.assets ?? []) },
  };
}

// The shape of the real build: two HTML entries sharing a chunk and its CSS.
const bundle: BundleLike = {
  'assets/index-A.js': chunk('index', { isEntry: true, imports: ['assets/src-S.js'], dynamicImports: ['assets/lazy-L.js'] }),
  'assets/src-S.js': chunk('src', { css: ['assets/src-S.css'] }),
  'assets/lazy-L.js': chunk('lazy', { imports: ['assets/src-S.js'], assets: ['assets/font-F.woff2'] }),
  'assets/admin-B.js': chunk('admin', { isEntry: true, imports: ['assets/src-S.js', 'assets/visx-V.js'], css: ['assets/admin-B.css'] }),
  'assets/visx-V.js': chunk('visx'),
  'assets/src-S.css': { type: 'asset' },
  'assets/admin-B.css': { type: 'asset' },
  'assets/font-F.woff2': { type: 'asset' },
  'assets/index-A.js.map': { type: 'asset' },
  'index.html': { type: 'asset' },
  'admin.html': { type: 'asset' },
};

describe('service worker precache', () => {
  it('holds the call app: its entry, static and dynamic imports, their CSS and assets', () => {
    expect(reachableFiles(bundle)).toEqual([
      'assets/font-F.woff2',
      'assets/index-A.js',
      'assets/lazy-L.js',
      'assets/src-S.css',
      'assets/src-S.js',
    ]);
  });

  it('leaves out the admin entry and the chunks and CSS only it uses', () => {
    const list = precacheList(bundle);
    for (const f of ['/assets/admin-B.js', '/assets/admin-B.css', '/assets/visx-V.js', '/admin.html']) expect(list).not.toContain(f);
    expect(list.some((f) => f.endsWith('.map'))).toBe(false);
  });

  it('starts with the HTML shell, manifest and icons', () => {
    expect(precacheList(bundle).slice(0, 5)).toEqual(['/', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png']);
  });

  it("holds the safety shield's worker bundle (TF.js, the model, WASM), which is outside the import graph", () => {
    const withShield: BundleLike = {
      ...bundle,
      'assets/shield-shield.worker-W.js': { type: 'asset' },
      'assets/shield-group1-shard1of1.min-M.js': { type: 'asset' },
      'assets/shield-tfjs-backend-wasm-simd-X.wasm': { type: 'asset' },
      'assets/shield-shield.worker-W.js.map': { type: 'asset' },
    };
    const list = precacheList(withShield);
    for (const f of ['/assets/shield-shield.worker-W.js', '/assets/shield-group1-shard1of1.min-M.js', '/assets/shield-tfjs-backend-wasm-simd-X.wasm']) {
      expect(list).toContain(f);
    }
    expect(list).not.toContain('/assets/shield-shield.worker-W.js.map');
    expect(new Set(list).size).toBe(list.length);
    expect(precacheList(bundle)).not.toContainEqual(expect.stringMatching(/shield-/));
  });

  it('survives import cycles and fails loudly without the entry', () => {
    const cyclic: BundleLike = {
      'a.js': chunk('index', { isEntry: true, imports: ['b.js'] }),
      'b.js': chunk('b', { imports: ['a.js'] }),
    };
    expect(reachableFiles(cyclic)).toEqual(['a.js', 'b.js']);
    expect(() => reachableFiles({ 'x.js': chunk('admin', { isEntry: true }) })).toThrow(/no entry chunk named "index"/);
  });
});
