// A typed client for the signaling WebSocket (contract section 3).
//
// - Authenticates every new socket with `hello` and reports `open` only after
//   `welcome`; a socket that gets no welcome in time is dropped and retried.
// - Reconnects with exponential backoff and jitter after any unexpected close,
//   except after a ban (close 4003, or a `banned` message); `draining` reconnects
//   after the delay the server asks for.
// - Tracks the current session: relayed offer/answer/ice and `peer_left` for
//   any other sessionId are dropped, so nothing from the previous stranger
//   reaches the next call after Next.
// No React, no globals: the socket factory, clock and randomness are injected.

import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff';
import {
  decodeServerMessage,
  encodeClientMessage,
  type ClientMessage,
  type ServerMessage,
} from './messages';
import type { TimerHandle, Timers } from './timers';

/** The subset of the browser WebSocket that the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SignalingStatus =
  | { state: 'idle' }
  | { state: 'connecting'; attempt: number }
  | { state: 'open'; userId: string }
  | { state: 'reconnecting'; attempt: number; retryInMs: number; lastCloseCode?: number }
  | { state: 'closed'; reason: 'stopped' | 'banned' | 'token' };

export type SignalingEvent =
  | { kind: 'status'; status: SignalingStatus }
  | { kind: 'message'; message: ServerMessage }
  | { kind: 'token-error'; error: unknown };

export type OutgoingMessage = ClientMessage extends infer M ? (M extends ClientMessage ? Omit<M, 'id'> : never) : never;

export interface SignalingClientOptions {
  url: string;
  getToken: () => Promise<string>;
  /** Called when the server refused the token (close 4001), before retrying. */
  invalidateToken?: () => void;
  createSocket: (url: string) => WebSocketLike;
  timers: Timers;
  random: () => number;
  backoff?: BackoffPolicy;
  /** Give up on a socket that has not said `welcome` by then. */
  welcomeTimeoutMs?: number;
}

const OPEN = 1;

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  badHello: 4001,
  banned: 4003,
} as const;

export class SignalingClient {
  private socket: WebSocketLike | null = null;
  private status: SignalingStatus = { state: 'idle' };
  private attempt = 0;
  private nextId = 1;
  private session: string | null = null;
  private timer: TimerHandle | null = null;
  private running = false;
  private banned = false;
  private readonly listeners = new Set<(e: SignalingEvent) => void>();

  constructor(private readonly opts: SignalingClientOptions) {}

  get currentStatus(): SignalingStatus {
    return this.status;
  }

  /** The session whose relayed messages are delivered, or null. */
  get currentSession(): string | null {
    return this.session;
  }

  subscribe(listener: (e: SignalingEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.banned = false;
    this.attempt = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimer();
    this.session = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      detach(s);
      s.close(CloseCode.normal, 'bye');
    }
    this.setStatus({ state: 'closed', reason: 'stopped' });
  }

  /** Reconnect now instead of waiting out the backoff (e.g. the browser came back online). */
  reconnectNow(): void {
    if (!this.running || this.status.state !== 'reconnecting') return;
    this.clearTimer();
    void this.connect();
  }

  /**
   * Sends a message on the authenticated socket. Returns its id, or null when
   * the socket is not open (callers re-send what matters after reconnecting).
   */
  send(message: OutgoingMessage): number | null {
    if (this.status.state !== 'open' || !this.socket || this.socket.readyState !== OPEN) return null;
    const id = this.nextId++;
    if (message.type === 'next' || message.type === 'leave') this.session = null;
    this.socket.send(encodeClientMessage({ ...message, id } as ClientMessage));
    return id;
  }

  private emit(e: SignalingEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private setStatus(status: SignalingStatus): void {
    this.status = status;
    this.emit({ kind: 'status', status });
  }

  private clearTimer(): void {
    if (this.timer !== null) this.opts.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private async connect(): Promise<void> {
    this.setStatus({ state: 'connecting', attempt: this.attempt });
    let token: string;
    try {
      token = await this.opts.getToken();
    } catch (error) {
      if (!this.running) return;
      this.emit({ kind: 'token-error', error });
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'banned') {
        this.running = false;
        this.setStatus({ state: 'closed', reason: 'token' });
        return;
      }
      const retry = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
      this.scheduleReconnect(undefined, typeof retry === 'number' ? retry : undefined);
      return;
    }
    if (!this.running) return;

    const socket = this.opts.createSocket(this.opts.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(encodeClientMessage({ type: 'hello', token, id: this.nextId++ }));
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const message = decodeServerMessage(ev.data);
      if (message) this.receive(socket, message);
    };
    socket.onerror = () => {
      // A close event always follows; reconnect happens there.
    };
    socket.onclose = (ev) => this.closed(socket, ev.code);
    this.clearTimer();
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = null;
      if (this.socket === socket && this.status.state !== 'open') {
        detach(socket);
        socket.close(CloseCode.normal, 'no welcome');
        this.closed(socket, CloseCode.goingAway);
      }
    }, this.opts.welcomeTimeoutMs ?? 10_000);
  }

  private receive(socket: WebSocketLike, m: ServerMessage): void {
    if (socket !== this.socket) return;
    switch (m.type) {
      case 'welcome':
        this.clearTimer();
        this.attempt = 0;
        this.setStatus({ state: 'open', userId: m.userId });
        break;
      case 'matched':
        this.session = m.sessionId;
        break;
      case 'offer':
      case 'answer':
      case 'ice':
      case 'peer_left':
        if (m.sessionId !== this.session) return; // stale: an earlier stranger
        if (m.type === 'peer_left') this.session = null;
        break;
      case 'banned':
        this.running = false;
        this.banned = true;
        break;
      case 'draining': {
        // Let the app see it, then move on to another instance.
        this.emit({ kind: 'message', message: m });
        detach(socket);
        socket.close(CloseCode.normal, 'draining');
        this.socket = null;
        this.session = null;
        this.scheduleReconnect(CloseCode.goingAway, m.reconnectAfterMs);
        return;
      }
    }
    this.emit({ kind: 'message', message: m });
  }

  private closed(socket: WebSocketLike, code: number): void {
    if (socket !== this.socket) return;
    detach(socket);
    this.socket = null;
    this.session = null;
    this.clearTimer();
    if (!this.running || code === CloseCode.banned) {
      this.running = false;
      const banned = this.banned || code === CloseCode.banned;
      this.setStatus({ state: 'closed', reason: banned ? 'banned' : 'stopped' });
      return;
    }
    if (code === CloseCode.badHello) this.opts.invalidateToken?.();
    this.scheduleReconnect(code);
  }

  private scheduleReconnect(lastCloseCode?: number, minDelayMs?: number): void {
    const backoff = backoffDelay(this.opts.backoff ?? defaultBackoff, this.attempt, this.opts.random);
    const retryInMs =
      minDelayMs !== undefined ? Math.round(minDelayMs + this.opts.random() * Math.min(1000, minDelayMs / 2)) : backoff;
    this.attempt += 1;
    const status: SignalingStatus = { state: 'reconnecting', attempt: this.attempt, retryInMs };
    if (lastCloseCode !== undefined) status.lastCloseCode = lastCloseCode;
    this.setStatus(status);
    this.clearTimer();
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = null;
      if (this.running) void this.connect();
    }, retryInMs);
  }
}

function detach(s: WebSocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = null;
}
