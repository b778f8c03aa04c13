import { describe, expect, it } from 'vitest';
import { FakeWebSocket } from '../../test/fake-websocket';
import { ManualTimers } from '../../test/manual-timers';
import { backoffDelay, defaultBackoff } from './backoff';
import { SignalingClient, type SignalingEvent } from './signaling-client';

const welcome = { type: 'welcome', userId: 'u1', iceServers: [], limits: {} };

function setup(opts: { random?: () => number; getToken?: () => Promise<string> } = {}) {
  const timers = new ManualTimers();
  const sockets: FakeWebSocket[] = [];
  const events: SignalingEvent[] = [];
  let invalidated = 0;
  const client = new SignalingClient({
    url: 'ws://test/ws',
    getToken: opts.getToken ?? (() => Promise.resolve('tok')),
    invalidateToken: () => {
      invalidated += 1;
    },
    createSocket: (url) => {
      const s = new FakeWebSocket(url);
      sockets.push(s);
      return s;
    },
    timers,
    random: opts.random ?? (() => 0.5),
  });
  client.subscribe((e) => events.push(e));
  const socket = () => sockets[sockets.length - 1]!;
  const messages = () => events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));
  const statuses = () => events.flatMap((e) => (e.kind === 'status' ? [e.status.state] : []));
  /** Opens the latest socket and welcomes it. */
  const accept = () => {
    socket().open();
    socket().receive(welcome);
  };
  return { timers, sockets, events, client, socket, messages, statuses, accept, invalidated: () => invalidated };
}

async function started(opts?: Parameters<typeof setup>[0]) {
  const t = setup(opts);
  t.client.start();
  await t.timers.advance(0);
  return t;
}

describe('backoffDelay', () => {
  it.each([
    // attempt, random, expected (initial 500, factor 2, max 15000)
    [0, 0, 250],
    [0, 0.999999, 500],
    [1, 0, 500],
    [3, 0.5, 3000],
    [5, 0, 7500],
    [10, 0, 7500], // capped at maxMs: half fixed
    [10, 0.999999, 15000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(defaultBackoff, attempt, () => random)).toBe(expected);
  });
});

describe('SignalingClient handshake', () => {
  it('sends hello with the token first and is open only after welcome', async () => {
    const t = await started();
    expect(t.statuses()).toEqual(['connecting']);
    t.socket().open();
    expect(t.socket().sent).toEqual([{ type: 'hello', token: 'tok', id: 1 }]);
    expect(t.client.send({ type: 'leave' })).toBeNull(); // not yet authenticated
    t.socket().receive(welcome);
    expect(t.statuses()).toEqual(['connecting', 'open']);
    expect(t.client.send({ type: 'join', mode: 'video', languages: ['en'] })).toBe(2);
    expect(t.socket().lastSent()).toEqual({ type: 'join', mode: 'video', languages: ['en'], id: 2 });
  });

  it('drops a socket that never says welcome and tries again', async () => {
    const t = await started();
    t.socket().open();
    await t.timers.advance(10_000);
    expect(t.sockets[0]!.closedWith).not.toBeNull();
    expect(t.statuses()).toEqual(['connecting', 'reconnecting']);
    await t.timers.advance(500);
    expect(t.sockets).toHaveLength(2);
  });

  it('ignores malformed and unknown frames', async () => {
    const t = await started();
    t.accept();
    t.socket().receive('not json');
    t.socket().receive({ type: 'mystery', x: 1 });
    t.socket().receive({ type: 'matched', sessionId: 's1' }); // missing role and peer
    expect(t.messages().map((m) => m.type)).toEqual(['welcome']);
  });
});

describe('SignalingClient reconnect', () => {
  it('backs off exponentially with jitter, and resets after a welcome', async () => {
    const t = await started({ random: () => 0 });
    t.accept();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.socket().serverClose(1006);
      const last = t.events[t.events.length - 1]!;
      if (last.kind !== 'status' || last.status.state !== 'reconnecting') throw new Error('expected reconnecting');
      delays.push(last.status.retryInMs);
      await t.timers.advance(last.status.retryInMs);
      t.socket().open(); // opens but the server drops it again before welcome
    }
    expect(delays).toEqual([250, 500, 1000, 2000]);
    t.socket().receive(welcome);
    t.socket().serverClose(1006);
    const last = t.events[t.events.length - 1]!;
    expect(last.kind === 'status' && last.status.state === 'reconnecting' && last.status.retryInMs).toBe(250);
  });

  it('does not reconnect before the delay has passed', async () => {
    const t = await started({ random: () => 0.5 });
    t.accept();
    t.socket().serverClose(1001);
    await t.timers.advance(374);
    expect(t.sockets).toHaveLength(1);
    await t.timers.advance(1);
    expect(t.sockets).toHaveLength(2);
  });

  it.each([
    [4003, 'banned'],
    [1000, 'reconnecting'], // a server-initiated normal close still reconnects while running
  ])('after close code %i the state is %s', async (code, expected) => {
    const t = await started();
    t.accept();
    t.socket().serverClose(code);
    expect(t.statuses().at(-1)).toBe(expected === 'banned' ? 'closed' : expected);
    await t.timers.advance(expected === 'banned' ? 60_000 : 1_000);
    expect(t.sockets).toHaveLength(expected === 'banned' ? 1 : 2);
  });

  it('a banned message followed by 4003 stops for good', async () => {
    const t = await started();
    t.accept();
    t.socket().receive({ type: 'banned', until: null, reason: 'abuse', appealable: true });
    t.socket().serverClose(4003);
    const last = t.events.at(-1)!;
    expect(last.kind === 'status' && last.status).toEqual({ state: 'closed', reason: 'banned' });
  });

  it('close 4001 (bad hello) invalidates the token before retrying', async () => {
    const t = await started();
    t.socket().open();
    t.socket().serverClose(4001);
    expect(t.invalidated()).toBe(1);
    await t.timers.advance(1000);
    expect(t.sockets).toHaveLength(2);
  });

  it('draining reconnects after the requested delay', async () => {
    const t = await started({ random: () => 0 });
    t.accept();
    t.socket().receive({ type: 'draining', reconnectAfterMs: 3000 });
    expect(t.sockets[0]!.closedWith).not.toBeNull();
    await t.timers.advance(2999);
    expect(t.sockets).toHaveLength(1);
    await t.timers.advance(1);
    expect(t.sockets).toHaveLength(2);
  });

  it('retries after a token failure, honouring retryAfterMs', async () => {
    let calls = 0;
    const t = await started({
      random: () => 0,
      getToken: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(Object.assign(new Error('slow down'), { code: 'rate_limited', retryAfterMs: 4000 }))
          : Promise.resolve('tok2');
      },
    });
    expect(t.sockets).toHaveLength(0);
    await t.timers.advance(4000);
    expect(t.sockets).toHaveLength(1);
    t.socket().open();
    expect(t.socket().sent[0]).toMatchObject({ type: 'hello', token: 'tok2' });
  });

  it('stop() closes the socket and never reconnects', async () => {
    const t = await started();
    t.accept();
    t.client.stop();
    expect(t.sockets[0]!.closedWith?.code).toBe(1000);
    await t.timers.advance(60_000);
    expect(t.sockets).toHaveLength(1);
    expect(t.statuses().at(-1)).toBe('closed');
  });
});

describe('SignalingClient session filter', () => {
  const matched = (sessionId: string) => ({
    type: 'matched',
    sessionId,
    role: 'offerer',
    peer: { languages: ['en'], region: null, commonInterests: [] },
  });
  const offer = (sessionId: string) => ({ type: 'offer', sessionId, sdp: 'v=0' });
  const ice = (sessionId: string) => ({ type: 'ice', sessionId, candidate: null });

  it.each([
    {
      name: 'relays for the current session pass',
      script: [matched('s1'), offer('s1'), ice('s1')],
      delivered: ['welcome', 'matched', 'offer', 'ice'],
    },
    {
      name: 'relays before any match are dropped',
      script: [offer('s1'), ice('s1')],
      delivered: ['welcome'],
    },
    {
      name: 'relays for an earlier session are dropped after a new match',
      script: [matched('s1'), matched('s2'), offer('s1'), ice('s1'), offer('s2')],
      delivered: ['welcome', 'matched', 'matched', 'offer'],
    },
    {
      name: 'peer_left for another session is dropped, for this one ends it',
      script: [
        matched('s2'),
        { type: 'peer_left', sessionId: 's1', reason: 'next' },
        { type: 'peer_left', sessionId: 's2', reason: 'leave' },
        ice('s2'),
      ],
      delivered: ['welcome', 'matched', 'peer_left'],
    },
  ])('$name', async ({ script, delivered }) => {
    const t = await started();
    t.accept();
    for (const m of script) t.socket().receive(m);
    expect(t.messages().map((m) => m.type)).toEqual(delivered);
  });

  it('after the user presses Next, late messages of the old session are dropped', async () => {
    const t = await started();
    t.accept();
    t.socket().receive(matched('s1'));
    expect(t.client.currentSession).toBe('s1');
    t.client.send({ type: 'next' });
    expect(t.client.currentSession).toBeNull();
    t.socket().receive(ice('s1'));
    t.socket().receive({ type: 'peer_left', sessionId: 's1', reason: 'next' });
    t.socket().receive(matched('s3'));
    t.socket().receive(ice('s3'));
    expect(t.messages().map((m) => m.type)).toEqual(['welcome', 'matched', 'matched', 'ice']);
  });

  it('a lost socket forgets the session', async () => {
    const t = await started();
    t.accept();
    t.socket().receive(matched('s1'));
    t.socket().serverClose(1006);
    expect(t.client.currentSession).toBeNull();
  });
});
