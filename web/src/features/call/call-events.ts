// What the world's news means for the call: signaling events (server
// messages, socket status, token errors) and peer link changes, as call
// machine events. Pure: use-call.ts feeds the results to the machine.
//
// The server answers a request by naming its id in `re`. Only answers to our
// own `join` and `captcha` concern the call (those to a report go to the
// report feature), so the ids that the client's send() returned for them are
// kept in PendingReplies: the hook sets them as it sends, this module clears
// them when the answer comes.

import { captchaRejectionReason, isAltchaChallenge } from '../../lib/signaling/altcha';
import type { IceServerConfig } from '../../lib/signaling/messages';
import type { SignalingEvent } from '../../lib/signaling/signaling-client';
import { diagnose, hasTurn } from '../../lib/webrtc/diagnosis';
import type { IncomingSignal, LinkState } from '../../lib/webrtc/peer-session';
import type { CallEvent } from './call-machine';

/** The ids of our requests still waiting for an answer (null: none). */
export interface PendingReplies {
  /** The latest `join`: an `error` naming it ends or pauses the search. */
  join: number | null;
  /** The `captcha` payload sent: `captcha_ok` or a refusal answers it. */
  captcha: number | null;
}

export const noPendingReplies: PendingReplies = { join: null, captcha: null };

export interface FromSignaling {
  events: CallEvent[];
  pending: PendingReplies;
  /** An offer, answer or candidate for the peer connection of `sessionId` (the hook drops it if that peer is gone). */
  relay?: { sessionId: string; signal: IncomingSignal };
  /** From `welcome`: whether the server offers a TURN relay. */
  relayAvailable?: boolean;
}

export interface CallContext {
  /** Whether a call is under way (the machine is not idle). */
  active: boolean;
  now: number; // milliseconds
}

export function fromSignaling(e: SignalingEvent, pending: PendingReplies, call: CallContext): FromSignaling {
  const just = (...events: CallEvent[]): FromSignaling => ({ events, pending });
  switch (e.kind) {
    case 'status':
      if (e.status.state === 'open') return just({ type: 'signaling-open' });
      if (e.status.state === 'reconnecting') return just({ type: 'signaling-lost' });
      // A ban closes the socket; say so only if it cut into a call (the start page asks anew).
      if (e.status.state === 'closed' && e.status.reason === 'banned' && call.active) return just({ type: 'banned', until: null, appealable: true });
      return just();
    case 'token-error': {
      const err = e.error as { code?: string; until?: string | null; appealable?: boolean } | null;
      return err?.code === 'banned' ? just({ type: 'banned', until: err.until ?? null, appealable: err.appealable ?? true }) : just();
    }
    case 'message':
      break;
  }
  const m = e.message;
  switch (m.type) {
    case 'welcome':
      return { events: [], pending, relayAvailable: hasTurn(m.iceServers) };
    case 'queued':
      return just({ type: 'queued', estimatedWaitMs: m.estimatedWaitMs ?? null });
    case 'matched':
      return just({ type: 'matched', sessionId: m.sessionId, role: m.role, peer: m.peer, now: call.now });
    case 'offer':
    case 'answer':
    case 'ice':
      return {
        events: [],
        pending,
        relay: { sessionId: m.sessionId, signal: m.type === 'ice' ? { type: 'ice', candidate: m.candidate } : { type: m.type, sdp: m.sdp } },
      };
    case 'peer_left':
      return just({ type: 'peer-left', sessionId: m.sessionId, reason: m.reason });
    case 'banned':
      return just({ type: 'banned', until: m.until, appealable: m.appealable });
    case 'captcha_required':
      // The CAPTCHA dialog shows the challenge; its widget solves it in the browser
      // (proof of work, no outside service). A challenge it cannot take ends the search.
      return just(isAltchaChallenge(m.challenge) ? { type: 'captcha-required', challenge: m.challenge } : { type: 'server-error', code: 'captcha_required' });
    case 'captcha_ok':
      return { events: [{ type: 'captcha-ok' }], pending: { ...pending, captcha: null } };
    case 'error':
      if (m.code === 'captcha_required' && m.re !== undefined && m.re === pending.captcha) {
        // "captcha rejected: <reason>" for our payload.
        return { events: [{ type: 'captcha-rejected', reason: captchaRejectionReason(m.message) }], pending: { ...pending, captcha: null } };
      }
      // Only failures of our join concern the call; a rate limit without `re` counts too.
      if (m.re === undefined ? m.code !== 'rate_limited' : m.re !== pending.join) return just();
      // A join refused for a CAPTCHA: the challenge comes as a captcha_required message.
      if (m.code === 'captcha_required') return just({ type: 'captcha-expected' });
      return just({ type: 'server-error', code: m.code, ...(m.retryAfterMs !== undefined ? { retryAfterMs: m.retryAfterMs } : {}) });
    default:
      return just(); // left, report_ack, draining: not the call's business
  }
}

export interface LinkContext {
  iceServers: readonly IceServerConfig[];
  relayOnly: boolean;
  now: number; // milliseconds
}

/** A change of the peer link, as a call event (none for the states the call does not show). */
export function fromLink(link: LinkState, ctx: LinkContext): CallEvent | null {
  switch (link) {
    case 'connected':
      return { type: 'peer-connected', now: ctx.now };
    case 'reconnecting':
      return { type: 'link-reconnecting' };
    case 'failed':
      return { type: 'ice-failed', diagnosis: diagnose(ctx.iceServers, ctx.relayOnly) };
    default:
      return null;
  }
}

/** Hiding the IP needs a relay the server does not have: the call fails at once instead of timing out. */
export function relayMissing(iceServers: readonly IceServerConfig[], relayOnly: boolean): CallEvent | null {
  return relayOnly && !hasTurn(iceServers) ? { type: 'ice-failed', diagnosis: 'relay-unavailable' } : null;
}
