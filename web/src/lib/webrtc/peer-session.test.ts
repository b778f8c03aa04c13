import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IceOutcome, LinkState, OutgoingSignal, PeerSessionOptions } from './peer-session';
import { PeerSession } from './peer-session';
import type { PeerMessage } from './peer-messages';

// Just enough of RTCPeerConnection to drive the negotiation logic.
class FakeChannel {
  readyState = 'connecting';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 'closed';
  }
}

class FakePC {
  signalingState: RTCSignalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  connectionState: RTCPeerConnectionState = 'new';
  log: string[] = [];
  restarts = 0;
  closed = false;
  channel = new FakeChannel();
  stats: Record<string, unknown>[] = [];
  ontrack: unknown = null;
  onicecandidate: ((ev: { candidate: { toJSON(): unknown } | null }) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  private n = 0;

  constructor(readonly config: RTCConfiguration) {}
  createDataChannel() {
    return this.channel;
  }
  addTrack() {}
  getSenders() {
    return [];
  }
  async setLocalDescription() {
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: 'offer-' + ++this.n };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: 'answer-' + ++this.n };
      this.signalingState = 'stable';
    }
    this.log.push('SLD ' + this.localDescription?.type);
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    if (d.type === 'offer' && this.signalingState === 'have-local-offer') this.log.push('rollback');
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
    this.remoteDescription = d;
    this.log.push('SRD ' + d.type);
  }
  async addIceCandidate(c?: { candidate?: string }) {
    if (!this.remoteDescription) throw new Error('no remote description');
    this.log.push('ICE ' + (c?.candidate ?? 'end'));
  }
  restartIce() {
    this.restarts += 1;
  }
  async getStats() {
    return new Map(this.stats.map((s) => [s.id as string, s]));
  }
  close() {
    this.closed = true;
  }
  // test helpers
  connection(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

beforeAll(() => {
  // Node has no MediaStream: the session only needs a track container.
  globalThis.MediaStream ??= class {
    private tracks: unknown[] = [];
    getTracks() {
      return this.tracks;
    }
    addTrack(t: unknown) {
      this.tracks.push(t);
    }
    removeTrack(t: unknown) {
      this.tracks = this.tracks.filter((x) => x !== t);
    }
  } as unknown as typeof MediaStream;
});

const sessions: PeerSession[] = [];
afterEach(() => sessions.splice(0).forEach((s) => s.close()));

function make(polite: boolean, extra: Partial<PeerSessionOptions> = {}) {
  const signals: OutgoingSignal[] = [];
  const outcomes: IceOutcome[] = [];
  const links: LinkState[] = [];
  const messages: PeerMessage[] = [];
  let pc!: FakePC;
  let now = 0;
  const session = new PeerSession({
    polite,
    iceServers: [],
    relayOnly: false,
    localStream: null,
    signal: (s) => signals.push(s),
    onIceOutcome: (o) => outcomes.push(o),
    onLinkState: (l) => links.push(l),
    onRemoteStream: () => {},
    onPeerMessage: (m) => messages.push(m),
    onChannelOpen: () => {},
    createPeerConnection: (config) => (pc = new FakePC(config)) as unknown as RTCPeerConnection,
    now: () => now,
    connectTimeoutMs: 60_000,
    ...extra,
  });
  sessions.push(session);
  return { session, pc, signals, outcomes, links, messages, tick: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('PeerSession negotiation', () => {
  it('the offerer (impolite) offers when negotiation is needed', async () => {
    const { pc, signals } = make(false);
    pc.onnegotiationneeded?.();
    await settle();
    expect(signals).toEqual([{ type: 'offer', sdp: 'offer-1' }]);
  });

  it('the answerer (polite) waits for the first offer instead of offering', async () => {
    const { pc, signals } = make(true);
    pc.onnegotiationneeded?.();
    await settle();
    expect(signals).toEqual([]);
  });

  it('candidates that arrive before the offer wait, then apply in order', async () => {
    const { session, pc, signals } = make(true);
    void session.handleSignal({ type: 'ice', candidate: { candidate: 'c1', sdpMid: '0' } });
    void session.handleSignal({ type: 'ice', candidate: { candidate: 'c2', sdpMid: '0' } });
    await session.handleSignal({ type: 'offer', sdp: 'remote-offer' });
    await session.handleSignal({ type: 'ice', candidate: null });
    expect(pc.log).toEqual(['SRD offer', 'ICE c1', 'ICE c2', 'SLD answer', 'ICE end']);
    expect(signals).toEqual([{ type: 'answer', sdp: 'answer-1' }]);
  });

  it('the offerer applies the answer', async () => {
    const { session, pc } = make(false);
    pc.onnegotiationneeded?.();
    await settle();
    await session.handleSignal({ type: 'answer', sdp: 'remote-answer' });
    expect(pc.signalingState).toBe('stable');
    expect(pc.log).toEqual(['SLD offer', 'SRD answer']);
  });

  it('on a collision the impolite side ignores the offer', async () => {
    const { session, pc, signals } = make(false);
    pc.onnegotiationneeded?.();
    await settle();
    await session.handleSignal({ type: 'offer', sdp: 'their-offer' });
    expect(pc.log).toEqual(['SLD offer']);
    expect(signals).toEqual([{ type: 'offer', sdp: 'offer-1' }]);
    // A candidate for the ignored offer fails quietly.
    await session.handleSignal({ type: 'ice', candidate: { candidate: 'x' } });
  });

  it('on a collision the polite side rolls back and answers', async () => {
    const { session, pc, signals } = make(true);
    await session.handleSignal({ type: 'offer', sdp: 'first' }); // now it may negotiate itself
    pc.onnegotiationneeded?.();
    await settle();
    expect(pc.signalingState).toBe('have-local-offer');
    await session.handleSignal({ type: 'offer', sdp: 'glare' });
    expect(pc.log).toContain('rollback');
    expect(signals.map((s) => s.type)).toEqual(['answer', 'offer', 'answer']);
  });

  it('trickles its own candidates, and end-of-candidates as null', () => {
    const { pc, signals } = make(false);
    pc.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'candidate:1', sdpMid: '0' }) } });
    pc.onicecandidate?.({ candidate: null });
    expect(signals).toEqual([
      { type: 'ice', candidate: { candidate: 'candidate:1', sdpMid: '0' } },
      { type: 'ice', candidate: null },
    ]);
  });

  it('uses the relay-only policy when asked to hide the IP', () => {
    const { pc } = make(false, { relayOnly: true, iceServers: [{ urls: 'turn:127.0.0.1:3478' }] });
    expect(pc.config.iceTransportPolicy).toBe('relay');
    expect(pc.config.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3478' }]);
  });
});

describe('PeerSession ICE outcome', () => {
  it('reports connected once, with time and candidate type', async () => {
    const { session, pc, outcomes, links, tick } = make(false);
    pc.stats = [
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.01 },
      { id: 'L', type: 'local-candidate', candidateType: 'srflx' },
      { id: 'R', type: 'remote-candidate', candidateType: 'host' },
    ];
    tick(1234);
    pc.connection('connected');
    await settle();
    pc.connection('disconnected');
    pc.connection('connected');
    await settle();
    session.close();
    expect(outcomes).toEqual([{ connected: true, timeToConnectMs: 1234, candidateType: 'srflx' }]);
    expect(links).toEqual(['connected', 'reconnecting', 'connected', 'closed']);
  });

  it('a session closed before connecting reports failure once', () => {
    const { session, outcomes } = make(true);
    session.close();
    session.close();
    expect(outcomes).toEqual([{ connected: false }]);
  });

  it('restarts ICE when it fails, then gives up', () => {
    const { pc, outcomes, links } = make(false, { maxIceRestarts: 2 });
    pc.connection('failed');
    pc.connection('failed');
    expect(pc.restarts).toBe(2);
    expect(outcomes).toEqual([]);
    pc.connection('failed');
    expect(pc.restarts).toBe(2);
    expect(links).toEqual(['failed']);
    expect(outcomes).toEqual([{ connected: false }]);
  });

  it('gives up when nothing connects in time', async () => {
    const { outcomes, links } = make(false, { connectTimeoutMs: 5 });
    await new Promise((r) => setTimeout(r, 20));
    expect(links).toEqual(['failed']);
    expect(outcomes).toEqual([{ connected: false }]);
  });

  it('ignores signals after close', async () => {
    const { session, pc } = make(true);
    session.close();
    await session.handleSignal({ type: 'offer', sdp: 'late' });
    expect(pc.log).toEqual([]);
    expect(pc.closed).toBe(true);
  });
});

describe('PeerSession data channel', () => {
  it('sends only when open, and drops invalid messages from the stranger', () => {
    const { session, pc, messages } = make(false);
    expect(session.send({ t: 'chat', text: 'too early' })).toBe(false);
    pc.channel.readyState = 'open';
    expect(session.send({ t: 'reaction', emoji: '👍' })).toBe(true);
    expect(pc.channel.sent).toEqual(['{"t":"reaction","emoji":"👍"}']);
    for (const data of ['{"t":"chat","text":"hi"}', 'nonsense', '{"t":"reaction","emoji":"💩"}', '{"t":"media","audio":false,"video":true}', '{"t":"chat","text":"   "}']) {
      pc.channel.onmessage?.({ data });
    }
    expect(messages).toEqual([
      { t: 'chat', text: 'hi' },
      { t: 'media', audio: false, video: true },
    ]);
  });
});
