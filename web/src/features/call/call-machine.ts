// The call as a pure state machine: (state, event) -> (state, effects).
// No I/O, no timers, no React: time comes in on the events, and what must
// happen in the world (get the camera, send `join`, open or close the peer
// connection, start or cancel a timer) goes out as effects that use-call.ts
// carries out. A timer that runs out comes back as a `timer` event.

import type { AltchaChallenge } from '../../lib/signaling/altcha';
import type { PeerInfo, PeerLeftReason, Role } from '../../lib/signaling/messages';

export type Mode = 'video' | 'text';

export type MediaErrorKind = 'denied' | 'not-found' | 'in-use' | 'insecure' | 'unknown';

/** Why a call that had a stranger is over. */
export type EndReason =
  | `peer-${PeerLeftReason}` // the server's peer_left reasons
  | 'ice-failed'
  | 'connection-lost';

/** Best guess at why ICE failed, shown to the user. */
export type Diagnosis = 'no-turn' | 'relay-unavailable' | 'firewall';

export type Notice =
  | { kind: 'media-error'; error: MediaErrorKind; mode: Mode }
  | { kind: 'banned'; until: string | null; appealable: boolean }
  | { kind: 'error'; code: string };

/** A CAPTCHA the server wants solved before this device may search again. */
export interface CaptchaPrompt {
  challenge: AltchaChallenge;
  /** Counts the challenges of this prompt: each new one starts the widget over. */
  serial: number;
  /** The widget's payload went to the server; waiting for `captcha_ok`. */
  sent: boolean;
  /** The server's reason for refusing the last solution (shown until one is accepted). */
  rejected: string | null;
}

/**
 * The waits of a search, each named for what happens when it runs out:
 * - `rejoin`: the pause the server asked for after `rate_limited`; then join again.
 * - `captcha-give-up`: our join was refused for a CAPTCHA and its challenge (a message of its
 *   own) has not come; then give up with a notice.
 * - `captcha-retry`: a solution was refused and no fresh challenge has come; then join again
 *   and let the server decide.
 */
export type TimerName = 'rejoin' | 'captcha-give-up' | 'captcha-retry';

/** How long to wait for a challenge the server announced (it comes as its own message). */
export const CAPTCHA_WAIT_MS = 3000;

interface WithPeer {
  mode: Mode;
  sessionId: string;
  role: Role;
  peer: PeerInfo;
}

export type CallState =
  | { status: 'idle'; notice?: Notice }
  | { status: 'acquiring-media'; mode: Mode }
  | {
      status: 'searching';
      mode: Mode;
      since: number;
      estimatedWaitMs: number | null;
      online: boolean;
      captcha?: CaptchaPrompt;
      /** This search's running timers (absent when none): whatever ends the search cancels them. */
      timers?: TimerName[];
    }
  | (WithPeer & { status: 'connecting'; since: number })
  | (WithPeer & { status: 'in-call'; connectedAt: number; link: 'ok' | 'reconnecting' })
  | (WithPeer & { status: 'ended'; reason: EndReason; diagnosis?: Diagnosis });

export type CallEvent =
  | { type: 'start'; mode: Mode; now: number }
  | { type: 'media-ready'; now: number }
  | { type: 'media-failed'; error: MediaErrorKind }
  | { type: 'signaling-open' }
  | { type: 'signaling-lost' }
  | { type: 'queued'; estimatedWaitMs: number | null }
  | { type: 'matched'; sessionId: string; role: Role; peer: PeerInfo; now: number }
  | { type: 'peer-connected'; now: number }
  | { type: 'link-reconnecting' }
  | { type: 'link-restored' }
  | { type: 'ice-failed'; diagnosis: Diagnosis }
  | { type: 'peer-left'; sessionId: string; reason: PeerLeftReason }
  | { type: 'next'; now: number }
  | { type: 'stop' }
  | { type: 'banned'; until: string | null; appealable: boolean }
  | { type: 'server-error'; code: string; retryAfterMs?: number }
  // The CAPTCHA: the server asks (captcha_required), the widget solves, the server accepts or refuses.
  | { type: 'captcha-required'; challenge: AltchaChallenge }
  | { type: 'captcha-solved'; payload: string }
  | { type: 'captcha-ok' }
  | { type: 'captcha-rejected'; reason: string }
  /** Our join was refused for a CAPTCHA: its challenge follows as a `captcha_required` message. */
  | { type: 'captcha-expected' }
  /** A timer of the search ran out. */
  | { type: 'timer'; timer: TimerName };

export type CallEffect =
  | { type: 'acquire-media'; mode: Mode }
  | { type: 'release-media' }
  | { type: 'join' }
  | { type: 'send-next' }
  | { type: 'send-leave' }
  | { type: 'send-captcha'; payload: string }
  | { type: 'open-peer'; sessionId: string; role: Role }
  | { type: 'close-peer' }
  /** Starts the named timer, or starts it over if it is running: one of each name at most. */
  | { type: 'start-timer'; timer: TimerName; delayMs: number }
  | { type: 'cancel-timer'; timer: TimerName };

export interface Transition {
  state: CallState;
  effects: CallEffect[];
}

export const initialCallState: CallState = { status: 'idle' };

type Searching = Extract<CallState, { status: 'searching' }>;

const stay = (state: CallState): Transition => ({ state, effects: [] });

const searching = (mode: Mode, now: number): CallState => ({
  status: 'searching',
  mode,
  since: now,
  estimatedWaitMs: null,
  online: true,
});

function withPeer(s: WithPeer): WithPeer {
  return { mode: s.mode, sessionId: s.sessionId, role: s.role, peer: s.peer };
}

/** Starts a timer of the search (or starts it over); those in `replaces` are cancelled if running. */
function startTimer(s: Searching, timer: TimerName, delayMs: number, replaces: TimerName[] = []): Transition {
  const stopped = stopTimers(s, replaces);
  const timers = [...(stopped.state.timers ?? []).filter((t) => t !== timer), timer];
  return { state: { ...stopped.state, timers }, effects: [...stopped.effects, { type: 'start-timer', timer, delayMs }] };
}

/** Cancels those of `names` that are running (all by default). */
function stopTimers(s: Searching, names?: TimerName[]): { state: Searching; effects: CallEffect[] } {
  const running = s.timers ?? [];
  const stopped = running.filter((t) => !names || names.includes(t));
  return { state: withTimers(s, running.filter((t) => !stopped.includes(t))), effects: stopped.map((timer) => ({ type: 'cancel-timer', timer })) };
}

function withTimers(s: Searching, timers: TimerName[]): Searching {
  const { timers: _, ...rest } = s;
  return timers.length ? { ...rest, timers } : rest;
}

/** The search cannot go on: back to the start page with the reason. */
function giveUp(code: string): Transition {
  return { state: { status: 'idle', notice: { kind: 'error', code } }, effects: [{ type: 'send-leave' }, { type: 'release-media' }] };
}

/** Is there a live session on the server (for leave/next)? */
export function hasSession(s: CallState): s is Extract<CallState, { status: 'connecting' | 'in-call' }> {
  return s.status === 'connecting' || s.status === 'in-call';
}

/** The mode of the current attempt, if any. */
export function modeOf(s: CallState): Mode | null {
  return s.status === 'idle' ? null : s.mode;
}

export function transition(state: CallState, event: CallEvent): Transition {
  const result = step(state, event);
  // Timers belong to one search: whatever ends it cancels them, so none runs out into a later one.
  if (state.status === 'searching' && result.state.status !== 'searching') {
    const running = (state.timers ?? []).filter((t) => event.type !== 'timer' || t !== event.timer);
    if (running.length) return { state: result.state, effects: [...stopTimers(state, running).effects, ...result.effects] };
  }
  return result;
}

function step(state: CallState, event: CallEvent): Transition {
  switch (event.type) {
    case 'start':
      if (state.status !== 'idle' && state.status !== 'ended') return stay(state);
      if (state.status === 'ended' && state.mode === event.mode) {
        return { state: searching(event.mode, event.now), effects: [{ type: 'join' }] };
      }
      if (event.mode === 'text') {
        return {
          state: searching('text', event.now),
          effects: [...(state.status === 'ended' ? [{ type: 'release-media' } as const] : []), { type: 'join' }],
        };
      }
      return { state: { status: 'acquiring-media', mode: 'video' }, effects: [{ type: 'acquire-media', mode: 'video' }] };

    case 'media-ready':
      if (state.status !== 'acquiring-media') return stay(state);
      return { state: searching(state.mode, event.now), effects: [{ type: 'join' }] };

    case 'media-failed':
      if (state.status !== 'acquiring-media') return stay(state);
      return {
        state: { status: 'idle', notice: { kind: 'media-error', error: event.error, mode: state.mode } },
        effects: [{ type: 'release-media' }],
      };

    case 'signaling-open': {
      // Re-enter the queue after a reconnect (the server forgot us with the old socket).
      // A pending CAPTCHA is dropped: the join brings a fresh challenge if one is still due.
      // So are the timers: this join replaces whatever they would have done.
      if (state.status !== 'searching') return stay(state);
      const stopped = stopTimers(state);
      const { captcha: _, ...rest } = stopped.state;
      return { state: { ...rest, online: true }, effects: [...stopped.effects, { type: 'join' }] };
    }

    case 'signaling-lost':
      if (state.status === 'searching') return stay({ ...state, online: false, estimatedWaitMs: null });
      if (hasSession(state)) {
        return {
          state: { ...withPeer(state), status: 'ended', reason: 'connection-lost' },
          effects: [{ type: 'close-peer' }],
        };
      }
      return stay(state);

    case 'queued':
      if (state.status !== 'searching') return stay(state);
      return stay({ ...state, estimatedWaitMs: event.estimatedWaitMs });

    case 'matched': {
      const next: CallState = {
        status: 'connecting',
        mode: state.status === 'idle' ? 'video' : state.mode,
        sessionId: event.sessionId,
        role: event.role,
        peer: event.peer,
        since: event.now,
      };
      if (state.status === 'searching') {
        return { state: next, effects: [{ type: 'open-peer', sessionId: event.sessionId, role: event.role }] };
      }
      if (hasSession(state) && state.sessionId !== event.sessionId) {
        return {
          state: next,
          effects: [{ type: 'close-peer' }, { type: 'open-peer', sessionId: event.sessionId, role: event.role }],
        };
      }
      return stay(state); // e.g. a match that raced with Stop: the server is told `leave` already
    }

    case 'peer-connected':
      if (state.status === 'connecting') {
        return stay({ ...withPeer(state), status: 'in-call', connectedAt: event.now, link: 'ok' });
      }
      if (state.status === 'in-call') return stay({ ...state, link: 'ok' });
      return stay(state);

    case 'link-reconnecting':
      return state.status === 'in-call' ? stay({ ...state, link: 'reconnecting' }) : stay(state);

    case 'link-restored':
      return state.status === 'in-call' ? stay({ ...state, link: 'ok' }) : stay(state);

    case 'ice-failed':
      if (!hasSession(state)) return stay(state);
      return {
        state: { ...withPeer(state), status: 'ended', reason: 'ice-failed', diagnosis: event.diagnosis },
        effects: [{ type: 'close-peer' }, { type: 'send-leave' }],
      };

    case 'peer-left':
      if (!hasSession(state) || state.sessionId !== event.sessionId) return stay(state);
      return {
        state: { ...withPeer(state), status: 'ended', reason: `peer-${event.reason}` },
        effects: [{ type: 'close-peer' }],
      };

    case 'next':
      if (hasSession(state)) {
        return { state: searching(state.mode, event.now), effects: [{ type: 'close-peer' }, { type: 'send-next' }] };
      }
      if (state.status === 'ended') return { state: searching(state.mode, event.now), effects: [{ type: 'join' }] };
      return stay(state);

    case 'stop': {
      if (state.status === 'idle') return stay(state);
      const effects: CallEffect[] = [];
      if (hasSession(state)) effects.push({ type: 'close-peer' });
      if (hasSession(state) || state.status === 'searching') effects.push({ type: 'send-leave' });
      effects.push({ type: 'release-media' });
      return { state: { status: 'idle' }, effects };
    }

    case 'banned': {
      const effects: CallEffect[] = hasSession(state) ? [{ type: 'close-peer' }] : [];
      effects.push({ type: 'release-media' });
      return {
        state: { status: 'idle', notice: { kind: 'banned', until: event.until, appealable: event.appealable } },
        effects,
      };
    }

    case 'server-error':
      if (state.status !== 'searching') return stay(state);
      if (event.code === 'rate_limited') return startTimer(state, 'rejoin', Math.max(1000, event.retryAfterMs ?? 3000));
      return giveUp(event.code);

    case 'captcha-expected':
      if (state.status !== 'searching') return stay(state);
      return startTimer(state, 'captcha-give-up', CAPTCHA_WAIT_MS, ['captcha-retry']);

    case 'captcha-required': {
      // Only a search waits for a CAPTCHA (a refused join or next leaves us searching).
      if (state.status !== 'searching') return stay(state);
      const stopped = stopTimers(state, ['captcha-give-up', 'captcha-retry']); // the challenge came
      const prev = state.captcha;
      return {
        state: {
          ...stopped.state,
          captcha: { challenge: event.challenge, serial: (prev?.serial ?? 0) + 1, sent: false, rejected: prev?.rejected ?? null },
        },
        effects: stopped.effects,
      };
    }

    case 'captcha-solved':
      if (state.status !== 'searching' || !state.captcha || state.captcha.sent) return stay(state);
      return { state: { ...state, captcha: { ...state.captcha, sent: true } }, effects: [{ type: 'send-captcha', payload: event.payload }] };

    case 'captcha-rejected':
      // "captcha rejected: <reason>": a fresh captcha_required follows. If none does, join
      // again: the server answers with a challenge if one is still due.
      if (state.status !== 'searching' || !state.captcha) return stay(state);
      return startTimer({ ...state, captcha: { ...state.captcha, sent: false, rejected: event.reason } }, 'captcha-retry', CAPTCHA_WAIT_MS, [
        'captcha-give-up',
      ]);

    case 'captcha-ok': {
      if (state.status !== 'searching' || !state.captcha) return stay(state);
      const stopped = stopTimers(state, ['captcha-give-up', 'captcha-retry']);
      const { captcha: _, ...rest } = stopped.state;
      return { state: rest, effects: [...stopped.effects, { type: 'join' }] };
    }

    case 'timer': {
      // A timer the search no longer has (cancelled, or of an earlier search) changes nothing.
      if (state.status !== 'searching' || !state.timers?.includes(event.timer)) return stay(state);
      const s = withTimers(state, state.timers.filter((t) => t !== event.timer));
      switch (event.timer) {
        case 'rejoin':
          return { state: s, effects: [{ type: 'join' }] };
        case 'captcha-give-up':
          return giveUp('captcha_required');
        case 'captcha-retry': {
          if (!s.captcha || s.captcha.sent) return stay(s); // no retry while a payload is out
          const { captcha: _, ...rest } = s;
          return { state: rest, effects: [{ type: 'join' }] };
        }
      }
    }
  }
}
