// One RTCPeerConnection for one matched session, done the careful way:
//
// - Perfect negotiation (W3C pattern): the answerer is polite (rolls back its
//   own offer on a collision), the offerer impolite (ignores the other's).
//   The answerer does not start negotiating before the first offer arrives:
//   the server made the offerer responsible for that.
// - Trickle ICE: candidates are sent as found; received ones wait in a queue
//   until a remote description is set.
// - Incoming signals are applied strictly in order (one promise chain).
// - ICE restart when the connection fails, a bounded number of times.
// - Chat, reactions and mic/camera state go over one negotiated data channel,
//   so both sides have it at once and text-only calls need no media at all.
// - The ICE outcome is reported exactly once per session.

import type { CandidateType, IceCandidateInit, IceServerConfig } from '../signaling/messages';
import { decodePeerMessage, encodePeerMessage, type PeerMessage } from './peer-messages';
import { reportedCandidateType, summarizeStats, type QualitySummary } from './stats';

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export type OutgoingSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'ice'; candidate: IceCandidateInit | null };

export type IncomingSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'ice'; candidate: IceCandidateInit | null };

export interface IceOutcome {
  connected: boolean;
  candidateType?: CandidateType;
  timeToConnectMs?: number;
}

export interface PeerSessionOptions {
  polite: boolean;
  iceServers: IceServerConfig[];
  relayOnly: boolean;
  localStream: MediaStream | null;
  /** Text-only calls still negotiate receiving nothing: data channel only. */
  signal: (s: OutgoingSignal) => void;
  onIceOutcome: (o: IceOutcome) => void;
  onLinkState: (s: LinkState) => void;
  onRemoteStream: (s: MediaStream) => void;
  onPeerMessage: (m: PeerMessage) => void;
  onChannelOpen: () => void;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  now?: () => number;
  connectTimeoutMs?: number;
  maxIceRestarts?: number;
  /** How long 'disconnected' may last before we restart ICE ourselves. */
  disconnectedGraceMs?: number;
}

export class PeerSession {
  readonly pc: RTCPeerConnection;
  private readonly channel: RTCDataChannel;
  private readonly remoteStream = new MediaStream();
  private readonly startedAt: number;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private mayNegotiate: boolean;
  private pendingCandidates: (IceCandidateInit | null)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private restarts = 0;
  private everConnected = false;
  private connectedAfterMs: number | null = null;
  private outcomeSent = false;
  private closed = false;
  private link: LinkState = 'connecting';
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private lastStats: QualitySummary | null = null;

  constructor(private readonly o: PeerSessionOptions) {
    const now = o.now ?? (() => performance.now());
    this.startedAt = now();
    this.mayNegotiate = !o.polite;
    const config: RTCConfiguration = {
      iceServers: o.iceServers as RTCIceServer[],
      iceTransportPolicy: o.relayOnly ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
    };
    this.pc = o.createPeerConnection ? o.createPeerConnection(config) : new RTCPeerConnection(config);
    const pc = this.pc;

    this.channel = pc.createDataChannel('serendip', { negotiated: true, id: 0, ordered: true });
    this.channel.onopen = () => o.onChannelOpen();
    this.channel.onmessage = (ev) => {
      const m = decodePeerMessage(ev.data);
      if (m) o.onPeerMessage(m);
    };

    if (o.localStream) {
      for (const track of o.localStream.getTracks()) pc.addTrack(track, o.localStream);
    }

    pc.ontrack = (ev) => {
      if (!this.remoteStream.getTracks().includes(ev.track)) this.remoteStream.addTrack(ev.track);
      o.onRemoteStream(this.remoteStream);
    };
    pc.onicecandidate = (ev) => {
      if (this.closed) return;
      o.signal({ type: 'ice', candidate: ev.candidate ? ev.candidate.toJSON() : null });
    };
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onconnectionstatechange = () => this.connectionChanged();

    this.connectTimer = setTimeout(() => {
      if (!this.everConnected) this.fail();
    }, o.connectTimeoutMs ?? 20_000);
  }

  /** Applies an offer, answer or candidate from the peer, in arrival order. */
  handleSignal(s: IncomingSignal): Promise<void> {
    this.chain = this.chain.then(() => this.apply(s)).catch((err: unknown) => {
      if (!this.closed) console.warn('serendip: signal failed', err);
    });
    return this.chain;
  }

  send(m: PeerMessage): boolean {
    if (this.channel.readyState !== 'open') return false;
    this.channel.send(encodePeerMessage(m));
    return true;
  }

  get channelOpen(): boolean {
    return this.channel.readyState === 'open';
  }

  /** Swaps the outgoing track of a kind (device change) without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
  }

  async stats(): Promise<QualitySummary> {
    const report = await this.pc.getStats();
    this.lastStats = summarizeStats(report.values(), this.lastStats, Date.now());
    return this.lastStats;
  }

  close(): void {
    if (this.closed) return;
    if (!this.outcomeSent) {
      // Closed while the connected report was still reading stats: report it without the type.
      this.sendOutcome(
        this.connectedAfterMs === null ? { connected: false } : { connected: true, timeToConnectMs: this.connectedAfterMs },
      );
    }
    this.closed = true;
    this.clearTimers();
    this.channel.onopen = this.channel.onmessage = null;
    this.pc.ontrack = this.pc.onicecandidate = this.pc.onnegotiationneeded = this.pc.onconnectionstatechange = null;
    this.channel.close();
    this.pc.close();
    // Nothing of this stranger may linger in a <video> for the next one.
    for (const t of this.remoteStream.getTracks()) this.remoteStream.removeTrack(t);
    this.setLink('closed');
  }

  private async negotiate(): Promise<void> {
    if (this.closed || !this.mayNegotiate) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const d = this.pc.localDescription;
      if (d && !this.closed) this.o.signal({ type: d.type as 'offer', sdp: d.sdp });
    } catch (err) {
      if (!this.closed) console.warn('serendip: negotiation failed', err);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(s: IncomingSignal): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    if (s.type === 'ice') {
      if (!pc.remoteDescription) {
        this.pendingCandidates.push(s.candidate);
        return;
      }
      await this.addCandidate(s.candidate);
      return;
    }
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = s.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.o.polite && collision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswer = s.type === 'answer';
    try {
      await pc.setRemoteDescription({ type: s.type, sdp: s.sdp }); // rolls back our offer if polite
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (this.closed) return;
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of queued) await this.addCandidate(c);
    if (s.type === 'offer') {
      await pc.setLocalDescription();
      const d = pc.localDescription;
      if (d && !this.closed) this.o.signal({ type: 'answer', sdp: d.sdp });
      this.mayNegotiate = true;
    }
  }

  private async addCandidate(c: IceCandidateInit | null): Promise<void> {
    try {
      if (c === null || !c.candidate) await this.pc.addIceCandidate();
      else await this.pc.addIceCandidate(c as RTCIceCandidateInit);
    } catch (err) {
      if (!this.ignoreOffer && !this.closed) console.warn('serendip: bad candidate', err);
    }
  }

  private connectionChanged(): void {
    if (this.closed) return;
    switch (this.pc.connectionState) {
      case 'connected':
        this.clearDisconnectTimer();
        if (!this.everConnected) {
          this.everConnected = true;
          if (this.connectTimer) clearTimeout(this.connectTimer);
          this.connectTimer = null;
          void this.reportConnected();
        }
        this.setLink('connected');
        break;
      case 'disconnected':
        if (this.everConnected) this.setLink('reconnecting');
        this.clearDisconnectTimer();
        this.disconnectTimer = setTimeout(() => this.restartOrFail(), this.o.disconnectedGraceMs ?? 5_000);
        break;
      case 'failed':
        this.restartOrFail();
        break;
    }
  }

  private restartOrFail(): void {
    if (this.closed) return;
    this.clearDisconnectTimer();
    if (this.restarts < (this.o.maxIceRestarts ?? 2)) {
      this.restarts += 1;
      if (this.everConnected) this.setLink('reconnecting');
      this.mayNegotiate = true; // an ICE restart is an offer from whoever notices first
      this.pc.restartIce();
    } else {
      this.fail();
    }
  }

  private fail(): void {
    if (this.closed || this.link === 'failed') return;
    this.sendOutcome({ connected: false });
    this.setLink('failed');
  }

  private async reportConnected(): Promise<void> {
    const timeToConnectMs = Math.round((this.o.now ?? (() => performance.now()))() - this.startedAt);
    this.connectedAfterMs = timeToConnectMs;
    let candidateType: CandidateType | undefined;
    try {
      candidateType = reportedCandidateType(await this.stats());
    } catch {
      // stats unavailable: report without the type
    }
    this.sendOutcome({ connected: true, timeToConnectMs, ...(candidateType ? { candidateType } : {}) });
  }

  private sendOutcome(o: IceOutcome): void {
    if (this.outcomeSent) return;
    this.outcomeSent = true;
    this.o.onIceOutcome(o);
  }

  private setLink(s: LinkState): void {
    if (this.link === s) return;
    this.link = s;
    this.o.onLinkState(s);
  }

  private clearDisconnectTimer(): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = null;
  }

  private clearTimers(): void {
    this.clearDisconnectTimer();
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}
