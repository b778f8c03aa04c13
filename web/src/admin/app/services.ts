// Builds the browser's services: same-origin API, sessionStorage, real clock,
// the History API.
import { browserTimers } from '../../lib/signaling/timers';
import { AdminApi } from '../lib/api-client';
import { ChangeSignal } from '../lib/changes';
import { Navigator } from '../lib/router';
import { AdminSession } from '../lib/session';
import type { AdminServices } from '../lib/services-context';

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function createBrowserServices(): AdminServices {
  const timers = browserTimers;
  const session = new AdminSession(sessionStorageOrNull(), timers);
  const api = new AdminApi({
    fetch: (url, init) => window.fetch(url, init),
    token: () => session.token(),
    onUnauthorized: () => {
      if (session.state.kind === 'signed-in') session.signOut('unauthorized');
    },
  });
  return { api, session, navigator: new Navigator(window), timers, changes: new ChangeSignal() };
}
