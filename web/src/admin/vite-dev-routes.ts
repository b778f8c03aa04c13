// Dev server only: the dashboard's client-side routes (/admin/reports/12...)
// get admin.html, as the real server maps them; Vite would answer with the
// call app's index.html. The production build needs nothing of this.
import type { Plugin } from 'vite';

export function adminDevRoutes(): Plugin {
  return {
    name: 'serendip-admin-dev-routes',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const path = q < 0 ? url : url.slice(0, q);
        if (path.startsWith('/admin/') && !path.includes('.')) req.url = '/admin.html' + (q < 0 ? '' : url.slice(q));
        next();
      });
    },
  };
}
