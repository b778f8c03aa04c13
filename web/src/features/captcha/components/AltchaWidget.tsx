// The `altcha` web component from npm (v3), loaded only when the server asks
// for a CAPTCHA (CaptchaDialog imports this module on demand).
//
// Built for the server's Content-Security-Policy (script-src 'self', no
// worker-src, so workers fall back to script-src): the `altcha/external`
// build, which has no inline blob: workers and injects no <style>; its
// stylesheet as a file; and the SHA proof-of-work worker as a same-origin
// script emitted by Vite (`?worker`). The challenge is the server's ALTCHA v1
// JSON, given as the `challenge` attribute (the widget parses a string that
// starts with "{" instead of fetching it); nothing is fetched from anywhere.
import 'altcha/external';
import 'altcha/altcha.css';
import 'altcha/i18n/de';
import 'altcha/i18n/es-es';
import ShaWorker from 'altcha/workers/sha?worker';
import type {} from 'altcha/types/react';
import { useLayoutEffect, useRef } from 'react';
import { ALTCHA_ALGORITHMS, type AltchaChallenge } from '../../../lib/signaling/altcha';
import type { WidgetState } from '../captcha-status';

for (const algorithm of ALTCHA_ALGORITHMS) globalThis.$altcha.algorithms.set(algorithm, () => new ShaWorker());

// No footer link, and no pointer/scroll collection ("human interaction
// signature"): our server does not use it and we collect nothing we don't need.
const CONFIGURATION = JSON.stringify({ hideFooter: true, humanInteractionSignature: false });

const WIDGET_STATES: readonly string[] = ['unverified', 'verifying', 'verified', 'error', 'expired', 'code'];

export function AltchaWidget({
  challenge,
  language,
  onVerified,
  onStateChange,
}: {
  challenge: AltchaChallenge;
  language: string;
  /** The base64 payload for the `captcha` message. */
  onVerified: (payload: string) => void;
  onStateChange: (state: WidgetState) => void;
}) {
  const ref = useRef<HTMLElement>(null);
  const handlers = useRef({ onVerified, onStateChange });
  handlers.current = { onVerified, onStateChange };

  // A layout effect: the element mounts its widget one microtask after React
  // attaches it and says `load` right then, before a passive effect would listen.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onLoad = () => {
      // The dialog opened before the widget existed: put the keyboard on its checkbox.
      el.querySelector<HTMLInputElement>('input[type="checkbox"]')?.focus();
    };
    const onVerifiedEvent = (e: Event) => {
      const payload = (e as CustomEvent<{ payload?: unknown }>).detail?.payload;
      if (typeof payload === 'string' && payload !== '') handlers.current.onVerified(payload);
    };
    const onStateEvent = (e: Event) => {
      const state = (e as CustomEvent<{ state?: unknown }>).detail?.state;
      if (typeof state === 'string' && WIDGET_STATES.includes(state)) handlers.current.onStateChange(state as WidgetState);
    };
    el.addEventListener('load', onLoad);
    el.addEventListener('verified', onVerifiedEvent);
    el.addEventListener('statechange', onStateEvent);
    return () => {
      el.removeEventListener('load', onLoad);
      el.removeEventListener('verified', onVerifiedEvent);
      el.removeEventListener('statechange', onStateEvent);
    };
  }, []);

  return (
    <altcha-widget
      ref={ref}
      challenge={JSON.stringify(challenge)}
      configuration={CONFIGURATION}
      language={language}
      type="checkbox"
    />
  );
}
