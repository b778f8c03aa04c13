import { describe, expect, it } from 'vitest';
import { asServerMessage, type ServerMessage } from '../../lib/signaling/messages';
import type { SignalingEvent, SignalingStatus } from '../../lib/signaling/signaling-client';
import type { LinkState } from '../../lib/webrtc/peer-session';
import type { CallEvent } from './call-machine';
import { fromLink, fromSignaling, noPendingReplies, relayMissing, type FromSignaling, type PendingReplies } from './call-events';

const challenge = { algorithm: 'SHA-256', challenge: 'a'.repeat(64), salt: 's?expires=1&', signature: 'b'.repeat(64), maxnumber: 50000 };
const peer = { languages: ['en'], region: null, commonInterests: ['chess'] };
const stun = [{ urls: ['stun:stun.example.org:3478'] }];
const turn = [{ urls: ['turn:turn.example.org:3478?transport=udp'], username: 'u', credential: 'c' }];

/** A server message, through the same decoder the client uses (so every row is a valid frame). */
function msg(m: Record<string, unknown>): SignalingEvent {
  const message = asServerMessage(m) as ServerMessage | null;
  if (!message) throw new Error('not a server message: ' + JSON.stringify(m));
  return { kind: 'message', message };
}
const status = (s: SignalingStatus): SignalingEvent => ({ kind: 'status', status: s });

/** Our join was id 7, our captcha payload id 9. */
const waiting: PendingReplies = { join: 7, captcha: 9 };

interface Row {
  name: string;
  event: SignalingEvent;
  pending?: PendingReplies; // `waiting` unless given
  active?: boolean; // true unless given
  events: CallEvent[];
  /** The pending replies afterwards; unchanged unless given. */
  after?: PendingReplies;
  relay?: FromSignaling['relay'];
  relayAvailable?: boolean;
}

const rows: Row[] = [
  // the socket
  { name: 'socket open (after welcome) re-joins a search', event: status({ state: 'open', userId: 'u_1' }), events: [{ type: 'signaling-open' }] },
  { name: 'socket lost while reconnecting', event: status({ state: 'reconnecting', attempt: 1, retryInMs: 500 }), events: [{ type: 'signaling-lost' }] },
  { name: 'socket connecting says nothing', event: status({ state: 'connecting', attempt: 0 }), events: [] },
  { name: 'closed for a ban during a call', event: status({ state: 'closed', reason: 'banned' }), events: [{ type: 'banned', until: null, appealable: true }] },
  { name: 'closed for a ban with no call says nothing', event: status({ state: 'closed', reason: 'banned' }), active: false, events: [] },
  { name: 'closed on purpose says nothing', event: status({ state: 'closed', reason: 'stopped' }), events: [] },
  { name: 'token refused for a ban', event: { kind: 'token-error', error: { code: 'banned', until: '2030-01-01T00:00:00.000Z', appealable: false } }, events: [{ type: 'banned', until: '2030-01-01T00:00:00.000Z', appealable: false }] },
  { name: 'token refused for a ban, details missing', event: { kind: 'token-error', error: { code: 'banned' } }, events: [{ type: 'banned', until: null, appealable: true }] },
  { name: 'token refused otherwise (the client retries)', event: { kind: 'token-error', error: { code: 'rate_limited' } }, events: [] },
  { name: 'token fetch failed without a body', event: { kind: 'token-error', error: null }, events: [] },

  // the queue and the match
  { name: 'welcome tells whether a relay exists', event: msg({ type: 'welcome', userId: 'u_1', iceServers: turn, limits: {} }), events: [], relayAvailable: true },
  { name: 'welcome without TURN', event: msg({ type: 'welcome', userId: 'u_1', iceServers: stun, limits: {} }), events: [], relayAvailable: false },
  { name: 'queued with an estimate', event: msg({ type: 'queued', estimatedWaitMs: 4000 }), events: [{ type: 'queued', estimatedWaitMs: 4000 }] },
  { name: 'queued without an estimate', event: msg({ type: 'queued' }), events: [{ type: 'queued', estimatedWaitMs: null }] },
  { name: 'matched, stamped with the time', event: msg({ type: 'matched', sessionId: 's1', role: 'answerer', peer }), events: [{ type: 'matched', sessionId: 's1', role: 'answerer', peer, now: 1000 }] },
  { name: 'the stranger left', event: msg({ type: 'peer_left', sessionId: 's1', reason: 'next' }), events: [{ type: 'peer-left', sessionId: 's1', reason: 'next' }] },
  { name: 'banned by message', event: msg({ type: 'banned', until: null, reason: 'spam', appealable: true }), events: [{ type: 'banned', until: null, appealable: true }] },
  { name: 'report_ack is the report feature\'s', event: msg({ type: 'report_ack', reportId: '5', re: 7 }), events: [] },
  { name: 'left says nothing', event: msg({ type: 'left' }), events: [] },
  { name: 'draining says nothing (the client moves on)', event: msg({ type: 'draining', reconnectAfterMs: 1000 }), events: [] },

  // relayed to the peer connection
  { name: 'an offer goes to the peer', event: msg({ type: 'offer', sessionId: 's1', sdp: 'v=0' }), events: [], relay: { sessionId: 's1', signal: { type: 'offer', sdp: 'v=0' } } },
  { name: 'an answer goes to the peer', event: msg({ type: 'answer', sessionId: 's1', sdp: 'v=1' }), events: [], relay: { sessionId: 's1', signal: { type: 'answer', sdp: 'v=1' } } },
  { name: 'a candidate goes to the peer', event: msg({ type: 'ice', sessionId: 's1', candidate: { candidate: 'c', sdpMid: '0' } }), events: [], relay: { sessionId: 's1', signal: { type: 'ice', candidate: { candidate: 'c', sdpMid: '0' } } } },
  { name: 'the end of candidates goes to the peer', event: msg({ type: 'ice', sessionId: 's1', candidate: null }), events: [], relay: { sessionId: 's1', signal: { type: 'ice', candidate: null } } },

  // the CAPTCHA
  { name: 'a challenge the widget takes', event: msg({ type: 'captcha_required', challenge }), events: [{ type: 'captcha-required', challenge }] },
  { name: 'a challenge the widget cannot take ends the search', event: msg({ type: 'captcha_required', challenge: { ...challenge, algorithm: 'MD5' } }), events: [{ type: 'server-error', code: 'captcha_required' }] },
  { name: 'captcha_ok answers our payload', event: msg({ type: 'captcha_ok', re: 9 }), events: [{ type: 'captcha-ok' }], after: { join: 7, captcha: null } },
  { name: 'our payload refused, with the reason', event: msg({ type: 'error', re: 9, code: 'captcha_required', message: 'captcha rejected: wrong_solution' }), events: [{ type: 'captcha-rejected', reason: 'wrong_solution' }], after: { join: 7, captcha: null } },
  { name: 'our payload refused, reason unreadable', event: msg({ type: 'error', re: 9, code: 'captcha_required', message: 'no' }), events: [{ type: 'captcha-rejected', reason: 'unknown' }], after: { join: 7, captcha: null } },
  { name: 'our join refused for a CAPTCHA: its challenge follows', event: msg({ type: 'error', re: 7, code: 'captcha_required', message: 'captcha required' }), events: [{ type: 'captcha-expected' }] },
  { name: 'a CAPTCHA refusal of another request is not ours', event: msg({ type: 'error', re: 8, code: 'captcha_required', message: 'captcha required' }), events: [] },
  { name: 'a refusal naming no request is not a payload refusal', event: msg({ type: 'error', code: 'captcha_required', message: 'captcha rejected: expired' }), pending: { join: 7, captcha: 9 }, events: [] },

  // errors of our join, and of others
  { name: 'our join rate limited', event: msg({ type: 'error', re: 7, code: 'rate_limited', message: 'slow down', retryAfterMs: 2500 }), events: [{ type: 'server-error', code: 'rate_limited', retryAfterMs: 2500 }] },
  { name: 'a rate limit naming no request counts as ours', event: msg({ type: 'error', code: 'rate_limited', message: 'slow down' }), events: [{ type: 'server-error', code: 'rate_limited' }] },
  { name: 'our join refused as a bad request', event: msg({ type: 'error', re: 7, code: 'bad_request', message: 'languages' }), events: [{ type: 'server-error', code: 'bad_request' }] },
  { name: 'an error of a report is not the call\'s', event: msg({ type: 'error', re: 8, code: 'not_in_session', message: 'no session' }), events: [] },
  { name: 'an error naming no request, other than a rate limit, is not the call\'s', event: msg({ type: 'error', code: 'internal', message: 'oops' }), events: [] },
  { name: 'before any join, no error is the join\'s', event: msg({ type: 'error', re: 7, code: 'bad_request', message: 'x' }), pending: noPendingReplies, events: [] },
  { name: 'an error for an old join is not the latest join\'s', event: msg({ type: 'error', re: 3, code: 'bad_request', message: 'x' }), events: [] },
];

describe('signaling -> call events', () => {
  it.each(rows)('$name', ({ event, pending = waiting, active = true, events, after, relay, relayAvailable }) => {
    const result = fromSignaling(event, pending, { active, now: 1000 });
    expect(result.events).toEqual(events);
    expect(result.pending).toEqual(after ?? pending);
    expect(result.relay).toEqual(relay);
    expect(result.relayAvailable).toEqual(relayAvailable);
  });

  it('leaves the pending replies it was given as they were', () => {
    const pending = { ...waiting };
    fromSignaling(msg({ type: 'captcha_ok', re: 9 }), pending, { active: true, now: 0 });
    expect(pending).toEqual(waiting);
  });

  it('a refusal answers the payload once: a second one for the same id is not ours', () => {
    const refusal = msg({ type: 'error', re: 9, code: 'captcha_required', message: 'captcha rejected: expired' });
    const first = fromSignaling(refusal, waiting, { active: true, now: 0 });
    const second = fromSignaling(refusal, first.pending, { active: true, now: 0 });
    expect(first.events).toEqual([{ type: 'captcha-rejected', reason: 'expired' }]);
    expect(second.events).toEqual([]);
  });
});

describe('peer link -> call events', () => {
  it.each<[string, LinkState, { iceServers: typeof turn | typeof stun; relayOnly: boolean }, CallEvent | null]>([
    ['connected: in call (or back from reconnecting)', 'connected', { iceServers: stun, relayOnly: false }, { type: 'peer-connected', now: 5 }],
    ['reconnecting shows on the call', 'reconnecting', { iceServers: stun, relayOnly: false }, { type: 'link-reconnecting' }],
    ['failed with a relay: a firewall', 'failed', { iceServers: turn, relayOnly: false }, { type: 'ice-failed', diagnosis: 'firewall' }],
    ['failed without a relay', 'failed', { iceServers: stun, relayOnly: false }, { type: 'ice-failed', diagnosis: 'no-turn' }],
    ['failed, relay wanted but missing', 'failed', { iceServers: stun, relayOnly: true }, { type: 'ice-failed', diagnosis: 'relay-unavailable' }],
    ['connecting says nothing', 'connecting', { iceServers: stun, relayOnly: false }, null],
    ['closed says nothing (we closed it)', 'closed', { iceServers: stun, relayOnly: false }, null],
  ])('%s', (_, link, ctx, expected) => {
    expect(fromLink(link, { ...ctx, now: 5 })).toEqual(expected);
  });

  it.each<[string, typeof turn | typeof stun, boolean, CallEvent | null]>([
    ['relay wanted, none offered: fail at once', stun, true, { type: 'ice-failed', diagnosis: 'relay-unavailable' }],
    ['relay wanted and offered', turn, true, null],
    ['no relay wanted', stun, false, null],
  ])('%s', (_, iceServers, relayOnly, expected) => {
    expect(relayMissing(iceServers, relayOnly)).toEqual(expected);
  });
});
