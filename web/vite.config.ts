/// <reference types="vitest/config" />
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { serviceWorker } from './src/service-worker/vite-plugin.ts';
import { adminDevRoutes } from './src/admin/vite-dev-routes.ts';
import { landingPrerender } from './src/app/prerender/vite-plugin.ts';
import { shieldModel } from './src/features/shield/vite-model-plugin.ts';

const server = process.env.SERENDIP_DEV_SERVER ?? 'http://127.0.0.1:8080';

// Multi-page build: the call app is index.html; the admin dashboard will be a
// second entry (admin.html, served at /admin) added to `input` below.
export default defineConfig({
  base: '/',
  plugins: [react(), tailwindcss(), serviceWorker(), adminDevRoutes(), landingPrerender()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        admin: resolve(import.meta.dirname, 'admin.html'),
        // What the service keeps and the safety shield: a page of text, no script.
        privacy: resolve(import.meta.dirname, 'privacy.html'),
      },
    },
  },
  // The safety shield's worker (features/shield): an ES module worker, so
  // TensorFlow.js, the model's weights and the WASM binaries are files of
  // their own, named shield-* (the service worker precaches them, see
  // src/service-worker/vite-plugin.ts).
  worker: {
    format: 'es',
    plugins: () => [shieldModel()],
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/shield-[name]-[hash].js',
        chunkFileNames: 'assets/shield-[name]-[hash].js',
        assetFileNames: 'assets/shield-[name]-[hash][extname]',
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: false },
      // The server checks Origin against its allow-list: present the proxied
      // socket as coming from the server's own origin.
      '/ws': {
        target: server,
        ws: true,
        configure: (proxy) => {
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', server));
        },
      },
      '/healthz': { target: server },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
