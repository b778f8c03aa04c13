import { describe, expect, it } from 'vitest';
import { CAPTCHA_WAIT_MS, initialCallState, transition, type CallEffect, type CallEvent, type CallState, type CaptchaPrompt } from './call-machine';

const peer = { languages: ['en'], region: null, commonInterests: ['chess'] };
const searchingVideo: CallState = { status: 'searching', mode: 'video', since: 0, estimatedWaitMs: null, online: true };
const connecting: CallState = { status: 'connecting', mode: 'video', sessionId: 's1', role: 'offerer', peer, since: 10 };
const inCall: CallState = {
  status: 'in-call',
  mode: 'video',
  sessionId: 's1',
  role: 'offerer',
  peer,
  connectedAt: 20,
  link: 'ok',
};
const ended: CallState = { status: 'ended', mode: 'video', sessionId: 's1', role: 'offerer', peer, reason: 'peer-next' };
const challenge = { algorithm: 'SHA-256', challenge: 'a'.repeat(64), salt: 's?expires=1&', signature: 'b'.repeat(64), maxnumber: 50000 };
const challenge2 = { ...challenge, challenge: 'c'.repeat(64) };
const withCaptcha: CallState = { ...searchingVideo, captcha: { challenge, serial: 1, sent: false, rejected: null } };
const sentCaptcha: CallState = { ...searchingVideo, captcha: { challenge, serial: 1, sent: true, rejected: null } };
const rejectedCaptcha: CallState = { ...searchingVideo, captcha: { challenge, serial: 1, sent: false, rejected: 'wrong_solution' } };
const matched = (sessionId = 's1'): CallEvent => ({ type: 'matched', sessionId, role: 'offerer', peer, now: 10 });

interface Row {
  name: string;
  from: CallState;
  event: CallEvent;
  /** The fields to match; `captcha` may be partial too; a field set to undefined must be gone. */
  to: (Partial<CallState> | { status: 'searching'; captcha?: Partial<CaptchaPrompt> }) & { status: CallState['status'] };
  effects: CallEffect['type'][];
}

const rows: Row[] = [
  // starting
  { name: 'video start asks for the camera', from: initialCallState, event: { type: 'start', mode: 'video', now: 0 }, to: { status: 'acquiring-media' }, effects: ['acquire-media'] },
  { name: 'text start joins at once, no camera', from: initialCallState, event: { type: 'start', mode: 'text', now: 5 }, to: { status: 'searching', mode: 'text', since: 5 }, effects: ['join'] },
  { name: 'start while searching is ignored', from: searchingVideo, event: { type: 'start', mode: 'video', now: 1 }, to: searchingVideo, effects: [] },
  { name: 'media ready joins the queue', from: { status: 'acquiring-media', mode: 'video' }, event: { type: 'media-ready', now: 7 }, to: { status: 'searching', since: 7, estimatedWaitMs: null }, effects: ['join'] },
  { name: 'camera denied explains and goes back', from: { status: 'acquiring-media', mode: 'video' }, event: { type: 'media-failed', error: 'denied' }, to: { status: 'idle', notice: { kind: 'media-error', error: 'denied', mode: 'video' } }, effects: ['release-media'] },
  { name: 'stop while asking for the camera', from: { status: 'acquiring-media', mode: 'video' }, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['release-media'] },
  { name: 'start again after the stranger left, same mode', from: ended, event: { type: 'start', mode: 'video', now: 50 }, to: { status: 'searching', since: 50 }, effects: ['join'] },
  { name: 'switching to text after a video call releases the camera', from: ended, event: { type: 'start', mode: 'text', now: 50 }, to: { status: 'searching', mode: 'text' }, effects: ['release-media', 'join'] },

  // queue
  { name: 'queued updates the estimate', from: searchingVideo, event: { type: 'queued', estimatedWaitMs: 4000 }, to: { status: 'searching', estimatedWaitMs: 4000 }, effects: [] },
  { name: 'matched opens the peer connection', from: searchingVideo, event: matched(), to: { status: 'connecting', sessionId: 's1', role: 'offerer', since: 10 }, effects: ['open-peer'] },
  { name: 'a match for a new session while connecting replaces the peer', from: connecting, event: matched('s2'), to: { status: 'connecting', sessionId: 's2' }, effects: ['close-peer', 'open-peer'] },
  { name: 'a repeated match for the same session is ignored', from: connecting, event: matched('s1'), to: connecting, effects: [] },
  { name: 'a match after Stop is ignored', from: initialCallState, event: matched(), to: initialCallState, effects: [] },
  { name: 'rate limited join retries later', from: searchingVideo, event: { type: 'server-error', code: 'rate_limited', retryAfterMs: 2500 }, to: searchingVideo, effects: ['start-timer'] },
  { name: 'an unsolvable captcha gives up with a notice', from: searchingVideo, event: { type: 'server-error', code: 'captcha_required' }, to: { status: 'idle', notice: { kind: 'error', code: 'captcha_required' } }, effects: ['send-leave', 'release-media'] },

  // the CAPTCHA
  { name: 'captcha_required while searching shows the challenge', from: searchingVideo, event: { type: 'captcha-required', challenge }, to: { status: 'searching', captcha: { challenge, serial: 1, sent: false, rejected: null } }, effects: [] },
  { name: 'captcha_required after Stop is ignored', from: initialCallState, event: { type: 'captcha-required', challenge }, to: initialCallState, effects: [] },
  { name: 'captcha_required in a call is ignored', from: inCall, event: { type: 'captcha-required', challenge }, to: inCall, effects: [] },
  { name: 'the solved widget sends its payload once', from: withCaptcha, event: { type: 'captcha-solved', payload: 'eyJ9' }, to: { status: 'searching', captcha: { sent: true } }, effects: ['send-captcha'] },
  { name: 'a second payload while one is out is not sent', from: sentCaptcha, event: { type: 'captcha-solved', payload: 'eyJ9' }, to: sentCaptcha, effects: [] },
  { name: 'captcha_ok carries on searching: join again', from: sentCaptcha, event: { type: 'captcha-ok' }, to: { status: 'searching', captcha: undefined }, effects: ['join'] },
  { name: 'a stray captcha_ok does nothing', from: searchingVideo, event: { type: 'captcha-ok' }, to: searchingVideo, effects: [] },
  { name: 'a refusal says why and waits for the fresh challenge', from: sentCaptcha, event: { type: 'captcha-rejected', reason: 'wrong_solution' }, to: { status: 'searching', captcha: { sent: false, rejected: 'wrong_solution', serial: 1 } }, effects: ['start-timer'] },
  { name: 'the fresh challenge keeps the reason and restarts the widget', from: rejectedCaptcha, event: { type: 'captcha-required', challenge: challenge2 }, to: { status: 'searching', captcha: { challenge: challenge2, serial: 2, sent: false, rejected: 'wrong_solution' } }, effects: [] },
  { name: 'a refusal without a fresh challenge joins again', from: { ...rejectedCaptcha, timers: ['captcha-retry'] }, event: { type: 'timer', timer: 'captcha-retry' }, to: { status: 'searching', captcha: undefined }, effects: ['join'] },
  { name: 'no retry while a payload is out', from: { ...sentCaptcha, timers: ['captcha-retry'] }, event: { type: 'timer', timer: 'captcha-retry' }, to: sentCaptcha, effects: [] },
  { name: 'Stop during the CAPTCHA', from: withCaptcha, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['send-leave', 'release-media'] },
  { name: 'a reconnect drops the prompt and joins (the server asks again if needed)', from: { ...sentCaptcha, online: false }, event: { type: 'signaling-open' }, to: { status: 'searching', online: true, captcha: undefined }, effects: ['join'] },
  { name: 'a bad join gives up with a notice', from: searchingVideo, event: { type: 'server-error', code: 'bad_request' }, to: { status: 'idle', notice: { kind: 'error', code: 'bad_request' } }, effects: ['send-leave', 'release-media'] },

  // connection
  { name: 'ICE connected means in call', from: connecting, event: { type: 'peer-connected', now: 30 }, to: { status: 'in-call', connectedAt: 30, link: 'ok', sessionId: 's1' }, effects: [] },
  { name: 'link trouble shows reconnecting', from: inCall, event: { type: 'link-reconnecting' }, to: { status: 'in-call', link: 'reconnecting' }, effects: [] },
  { name: 'link back to ok', from: { ...inCall, link: 'reconnecting' }, event: { type: 'link-restored' }, to: { status: 'in-call', link: 'ok' }, effects: [] },
  { name: 'ICE failure ends with a diagnosis and frees the server session', from: connecting, event: { type: 'ice-failed', diagnosis: 'no-turn' }, to: { status: 'ended', reason: 'ice-failed', diagnosis: 'no-turn' }, effects: ['close-peer', 'send-leave'] },

  // leaving
  { name: 'stranger pressed Next', from: inCall, event: { type: 'peer-left', sessionId: 's1', reason: 'next' }, to: { status: 'ended', reason: 'peer-next', sessionId: 's1' }, effects: ['close-peer'] },
  { name: 'stranger disconnected while connecting', from: connecting, event: { type: 'peer-left', sessionId: 's1', reason: 'disconnect' }, to: { status: 'ended', reason: 'peer-disconnect' }, effects: ['close-peer'] },
  { name: 'peer_left of an older session is ignored', from: inCall, event: { type: 'peer-left', sessionId: 's0', reason: 'leave' }, to: inCall, effects: [] },
  { name: 'Next in a call goes back to the queue', from: inCall, event: { type: 'next', now: 99 }, to: { status: 'searching', since: 99, mode: 'video' }, effects: ['close-peer', 'send-next'] },
  { name: 'Next while connecting', from: connecting, event: { type: 'next', now: 99 }, to: { status: 'searching' }, effects: ['close-peer', 'send-next'] },
  { name: 'Next after the stranger left joins again (no session to leave)', from: ended, event: { type: 'next', now: 99 }, to: { status: 'searching', since: 99 }, effects: ['join'] },
  { name: 'Next while searching does nothing', from: searchingVideo, event: { type: 'next', now: 99 }, to: searchingVideo, effects: [] },
  { name: 'Stop in a call', from: inCall, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['close-peer', 'send-leave', 'release-media'] },
  { name: 'Stop while searching', from: searchingVideo, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['send-leave', 'release-media'] },
  { name: 'Stop after the stranger left', from: ended, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['release-media'] },

  // the signaling socket
  { name: 'socket lost while searching waits offline', from: searchingVideo, event: { type: 'signaling-lost' }, to: { status: 'searching', online: false }, effects: [] },
  { name: 'socket back while searching re-joins', from: { ...searchingVideo, online: false }, event: { type: 'signaling-open' }, to: { status: 'searching', online: true }, effects: ['join'] },
  { name: 'socket lost in a call ends it', from: inCall, event: { type: 'signaling-lost' }, to: { status: 'ended', reason: 'connection-lost' }, effects: ['close-peer'] },
  { name: 'socket open while idle does nothing', from: initialCallState, event: { type: 'signaling-open' }, to: initialCallState, effects: [] },
  { name: 'banned in a call', from: inCall, event: { type: 'banned', until: null, appealable: true }, to: { status: 'idle', notice: { kind: 'banned', until: null, appealable: true } }, effects: ['close-peer', 'release-media'] },

  // timers of a search (the hook keeps them; `timer` says one ran out)
  { name: 'rate limited: the search keeps a rejoin timer', from: searchingVideo, event: { type: 'server-error', code: 'rate_limited' }, to: { status: 'searching', timers: ['rejoin'] }, effects: ['start-timer'] },
  { name: 'the rejoin timer joins again', from: { ...searchingVideo, timers: ['rejoin'] }, event: { type: 'timer', timer: 'rejoin' }, to: { status: 'searching', timers: undefined }, effects: ['join'] },
  { name: 'a join refused for a CAPTCHA waits for its challenge', from: searchingVideo, event: { type: 'captcha-expected' }, to: { status: 'searching', timers: ['captcha-give-up'], captcha: undefined }, effects: ['start-timer'] },
  { name: 'the challenge comes: no more waiting', from: { ...searchingVideo, timers: ['captcha-give-up'] }, event: { type: 'captcha-required', challenge }, to: { status: 'searching', captcha: { serial: 1 }, timers: undefined }, effects: ['cancel-timer'] },
  { name: 'no challenge comes: give up with a notice', from: { ...searchingVideo, timers: ['captcha-give-up'] }, event: { type: 'timer', timer: 'captcha-give-up' }, to: { status: 'idle', notice: { kind: 'error', code: 'captcha_required' } }, effects: ['send-leave', 'release-media'] },
  { name: 'a refusal waits for the fresh challenge', from: sentCaptcha, event: { type: 'captcha-rejected', reason: 'wrong_solution' }, to: { status: 'searching', timers: ['captcha-retry'] }, effects: ['start-timer'] },
  { name: 'the fresh challenge ends the wait', from: { ...rejectedCaptcha, timers: ['captcha-retry'] }, event: { type: 'captcha-required', challenge: challenge2 }, to: { status: 'searching', captcha: { serial: 2 }, timers: undefined }, effects: ['cancel-timer'] },
  { name: 'captcha_ok ends the wait too', from: { ...sentCaptcha, timers: ['captcha-retry'] }, event: { type: 'captcha-ok' }, to: { status: 'searching', captcha: undefined, timers: undefined }, effects: ['cancel-timer', 'join'] },
  { name: 'a refusal replaces the wait for a first challenge', from: { ...sentCaptcha, timers: ['captcha-give-up'] }, event: { type: 'captcha-rejected', reason: 'wrong_solution' }, to: { status: 'searching', timers: ['captcha-retry'] }, effects: ['cancel-timer', 'start-timer'] },
  { name: 'a second refusal starts the wait over', from: { ...sentCaptcha, timers: ['captcha-retry'] }, event: { type: 'captcha-rejected', reason: 'expired' }, to: { status: 'searching', timers: ['captcha-retry'] }, effects: ['start-timer'] },
  { name: 'a reconnect cancels the timers and joins', from: { ...searchingVideo, online: false, timers: ['rejoin'] }, event: { type: 'signaling-open' }, to: { status: 'searching', online: true, timers: undefined }, effects: ['cancel-timer', 'join'] },
  { name: 'Stop cancels the timers of the search', from: { ...rejectedCaptcha, timers: ['captcha-retry'] }, event: { type: 'stop' }, to: { status: 'idle' }, effects: ['cancel-timer', 'send-leave', 'release-media'] },
  { name: 'a match cancels the timers of the search', from: { ...searchingVideo, timers: ['rejoin'] }, event: matched(), to: { status: 'connecting' }, effects: ['cancel-timer', 'open-peer'] },
  { name: 'a ban cancels the timers of the search', from: { ...searchingVideo, timers: ['rejoin'] }, event: { type: 'banned', until: null, appealable: true }, to: { status: 'idle' }, effects: ['cancel-timer', 'release-media'] },
  { name: 'giving up when one timer runs out cancels the others', from: { ...searchingVideo, timers: ['rejoin', 'captcha-give-up'] }, event: { type: 'timer', timer: 'captcha-give-up' }, to: { status: 'idle' }, effects: ['cancel-timer', 'send-leave', 'release-media'] },
  { name: 'a timer the search does not have changes nothing', from: searchingVideo, event: { type: 'timer', timer: 'captcha-give-up' }, to: searchingVideo, effects: [] },
  { name: 'a timer after Stop changes nothing', from: initialCallState, event: { type: 'timer', timer: 'rejoin' }, to: initialCallState, effects: [] },
  { name: 'a CAPTCHA expected after Stop changes nothing', from: initialCallState, event: { type: 'captcha-expected' }, to: initialCallState, effects: [] },
];

describe('call machine', () => {
  it.each(rows)('$name', ({ from, event, to, effects }) => {
    const result = transition(from, event);
    // `captcha: undefined` in a row means: the prompt is gone (`timers: undefined`: none runs).
    const entries = Object.entries(to);
    expect(result.state).toMatchObject(Object.fromEntries(entries.filter(([, v]) => v !== undefined)));
    for (const [key] of entries.filter(([, v]) => v === undefined)) expect(result.state).not.toHaveProperty(key);
    expect(result.effects.map((e) => e.type)).toEqual(effects);
  });

  it('carries the session and role into open-peer', () => {
    const { effects } = transition(searchingVideo, { type: 'matched', sessionId: 'abc', role: 'answerer', peer, now: 1 });
    expect(effects).toEqual([{ type: 'open-peer', sessionId: 'abc', role: 'answerer' }]);
  });

  it('sends the widget payload as it is', () => {
    expect(transition(withCaptcha, { type: 'captcha-solved', payload: 'eyJhIjoxfQ==' }).effects).toEqual([{ type: 'send-captcha', payload: 'eyJhIjoxfQ==' }]);
  });

  it('a whole CAPTCHA: refused next, wrong solution, fresh challenge, solved, matched', () => {
    const script: CallEvent[] = [
      { type: 'next', now: 30 },
      { type: 'captcha-required', challenge },
      { type: 'captcha-solved', payload: 'bad' },
      { type: 'captcha-rejected', reason: 'wrong_solution' },
      { type: 'captcha-required', challenge: challenge2 },
      { type: 'captcha-solved', payload: 'good' },
      { type: 'captcha-ok' },
      matched('s2'),
    ];
    let state: CallState = inCall;
    const seen: string[] = [];
    for (const e of script) {
      const r = transition(state, e);
      state = r.state;
      seen.push(`${state.status}${state.status === 'searching' && state.captcha ? `:${state.captcha.serial}${state.captcha.sent ? 's' : ''}` : ''} ${r.effects.map((x) => x.type).join(',')}`.trim());
    }
    expect(seen).toEqual([
      'searching close-peer,send-next',
      'searching:1',
      'searching:1s send-captcha',
      'searching:1 start-timer',
      'searching:2 cancel-timer',
      'searching:2s send-captcha',
      'searching join',
      'connecting open-peer',
    ]);
  });

  it('times the waits: the pause the server asks for (at least 1 s, 3 s if it names none) and the CAPTCHA wait', () => {
    const rateLimited = (retryAfterMs?: number): CallEvent => ({ type: 'server-error', code: 'rate_limited', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    expect(transition(searchingVideo, rateLimited(2500)).effects).toEqual([{ type: 'start-timer', timer: 'rejoin', delayMs: 2500 }]);
    expect(transition(searchingVideo, rateLimited(200)).effects).toEqual([{ type: 'start-timer', timer: 'rejoin', delayMs: 1000 }]);
    expect(transition(searchingVideo, rateLimited()).effects).toEqual([{ type: 'start-timer', timer: 'rejoin', delayMs: 3000 }]);
    expect(transition(searchingVideo, { type: 'captcha-expected' }).effects).toEqual([{ type: 'start-timer', timer: 'captcha-give-up', delayMs: CAPTCHA_WAIT_MS }]);
    expect(transition(sentCaptcha, { type: 'captcha-rejected', reason: 'x' }).effects).toEqual([{ type: 'start-timer', timer: 'captcha-retry', delayMs: CAPTCHA_WAIT_MS }]);
    expect(CAPTCHA_WAIT_MS).toBe(3000);
  });

  it('cancels by name exactly the timers that run', () => {
    const from: CallState = { ...searchingVideo, timers: ['rejoin', 'captcha-retry'] };
    expect(transition(from, { type: 'stop' }).effects).toEqual([
      { type: 'cancel-timer', timer: 'rejoin' },
      { type: 'cancel-timer', timer: 'captcha-retry' },
      { type: 'send-leave' },
      { type: 'release-media' },
    ]);
    expect(from.timers).toEqual(['rejoin', 'captcha-retry']); // the input is left as it was
  });

  it('Stop, then Start again: a timer of the old search that runs out anyway changes nothing', () => {
    const script: CallEvent[] = [
      { type: 'captcha-expected' },
      { type: 'stop' },
      { type: 'start', mode: 'text', now: 40 },
      { type: 'timer', timer: 'captcha-give-up' },
    ];
    let state: CallState = searchingVideo;
    const seen: string[] = [];
    for (const e of script) {
      const r = transition(state, e);
      state = r.state;
      seen.push(`${state.status} ${r.effects.map((x) => x.type).join(',')}`.trim());
    }
    expect(seen).toEqual(['searching start-timer', 'idle cancel-timer,send-leave,release-media', 'searching join', 'searching']);
  });

  it('a refused join: the challenge does not come, so the search gives up', () => {
    const script: CallEvent[] = [{ type: 'captcha-expected' }, { type: 'timer', timer: 'captcha-give-up' }];
    let state: CallState = searchingVideo;
    for (const e of script) state = transition(state, e).state;
    expect(state).toEqual({ status: 'idle', notice: { kind: 'error', code: 'captcha_required' } });
  });

  it('never changes the input state', () => {
    const before = structuredClone(inCall);
    transition(inCall, { type: 'next', now: 5 });
    transition(inCall, { type: 'link-reconnecting' });
    expect(inCall).toEqual(before);
  });

  it('a whole call: start, match, connect, stranger leaves, next, stop', () => {
    const script: CallEvent[] = [
      { type: 'start', mode: 'video', now: 0 },
      { type: 'media-ready', now: 1 },
      { type: 'queued', estimatedWaitMs: 1000 },
      matched('s1'),
      { type: 'peer-connected', now: 12 },
      { type: 'peer-left', sessionId: 's1', reason: 'next' },
      { type: 'next', now: 20 },
      matched('s2'),
      { type: 'peer-connected', now: 22 },
      { type: 'stop' },
    ];
    let state = initialCallState;
    const seen: string[] = [];
    for (const e of script) {
      state = transition(state, e).state;
      seen.push(state.status);
    }
    expect(seen).toEqual([
      'acquiring-media',
      'searching',
      'searching',
      'connecting',
      'in-call',
      'ended',
      'searching',
      'connecting',
      'in-call',
      'idle',
    ]);
  });
});
