// Puts the prerendered landing page (landing-markup.tsx) into the built
// index.html: #root holds the landing markup and a <template data-landing="chip">
// follows it. The module is loaded with Vite's SSR loader, so it is the same
// source the browser bundle is built from. Build only: the dev server starts
// the React app at once (main.ts finds no markup).
import { createServer, type Plugin } from 'vite';
import type { LandingMarkup } from './landing-markup';

const ROOT = '<div id="root"></div>';

/** index.html with the markup in #root; throws if the page has no empty #root. */
export function injectLanding(html: string, markup: LandingMarkup): string {
  if (!html.includes(ROOT)) throw new Error('landing prerender: index.html has no empty <div id="root"></div>');
  return html.replace(ROOT, () => `<div id="root">${markup.root}</div>\n    <template data-landing="chip">${markup.chip}</template>`);
}

export function landingPrerender(): Plugin {
  let root = '';
  return {
    name: 'serendip-landing-prerender',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        if (!ctx.filename.endsWith('/index.html') || ctx.filename.endsWith('/admin.html')) return html;
        const server = await createServer({
          root,
          configFile: false,
          logLevel: 'error',
          appType: 'custom',
          server: { middlewareMode: true, hmr: false, ws: false },
          optimizeDeps: { noDiscovery: true, include: [] },
        });
        try {
          const mod = (await server.ssrLoadModule('/src/app/prerender/landing-markup.tsx')) as typeof import('./landing-markup');
          return injectLanding(html, mod.landingMarkup());
        } finally {
          await server.close();
        }
      },
    },
  };
}
