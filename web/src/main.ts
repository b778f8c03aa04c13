// The call app's entry, and all the JavaScript the landing page needs: the
// landing markup is already in index.html (prerendered at build time, see
// app/prerender/), this wires it (features/matching/static-landing.ts) and
// starts the React app (app/boot.tsx: call screen, WebRTC, settings) only when
// the user presses Start or Settings (its code is fetched at the first touch,
// key or focus, not for the first paint). For an interface language other than
// English, or without the prerendered markup (the dev server), the React app
// starts at once.
import { startStaticLanding } from './features/matching/static-landing';
import { pickUiLanguage } from './i18n/languages';
import { sanitizeSettings, SETTINGS_KEY } from './lib/settings';
import { loadDeviceId } from './lib/signaling/device-id';
import { loadJson } from './lib/storage';
import type { AppIntent } from './app/App';
import './index.css';

const root = document.getElementById('root')!;
let loading: Promise<typeof import('./app/boot')> | null = null;
let booted = false;

/** Fetches the React app's code (once; again after a failure) without starting it. */
function loadApp() {
  loading ??= import('./app/boot').catch((err: unknown) => {
    loading = null; // offline or a new release: the next press tries again
    throw err;
  });
  return loading;
}

function bootApp(intent: AppIntent): Promise<void> {
  if (booted) return Promise.resolve();
  return loadApp().then(
    (m) => {
      if (booted) return;
      booted = true;
      m.boot(root, intent);
    },
    (err: unknown) => console.error('could not load the call app', err),
  );
}

// Someone who starts filling in the form will soon press Start: fetch the app meanwhile.
for (const type of ['pointerdown', 'keydown', 'focusin'] as const) {
  root.addEventListener(type, () => void loadApp().catch(() => {}), { once: true, passive: true });
}

// The anonymous device id exists from the first page load, as it did when the
// React app made it at start (other tabs of this browser read the same one).
loadDeviceId(window.localStorage, () => crypto.randomUUID());

const browserLanguages = navigator.languages ?? [navigator.language];
const uiLanguage = loadJson(window.localStorage, SETTINGS_KEY, sanitizeSettings).uiLanguage ?? pickUiLanguage(browserLanguages);
const wired =
  uiLanguage === 'en' &&
  startStaticLanding(root, browserLanguages, { onStart: () => bootApp('start'), onSettings: () => bootApp('settings') });
if (!wired) void bootApp(null);

// The app shell works offline and installs as a PWA; the API and the socket never go through the worker.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  });
}
