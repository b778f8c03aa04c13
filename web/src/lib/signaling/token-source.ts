// Anonymous session tokens (contract section 1) and TURN credentials
// (section 2). The token source keeps one token, refreshes it before it
// expires while started, and hands out a valid one on demand.

import type { Schemas } from '../api/types';
import type { IceServerConfig } from './messages';
import type { TimerHandle, Timers } from './timers';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** A REST failure the UI can explain: banned, rate limited, or anything else. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
    readonly until?: string | null,
    readonly appealable?: boolean,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type TokenResponse = Schemas['TokenResponse']; // expiresIn in seconds

export interface TokenSourceOptions {
  baseUrl: string; // '' for same origin
  deviceId: string;
  fetch: FetchLike;
  timers: Timers;
  /** Refresh this long before expiry (capped at half the lifetime). */
  refreshMarginMs?: number;
}

async function readError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error ?? {};
  const header = Number(res.headers.get('Retry-After'));
  const retryAfterMs =
    typeof err.retryAfterMs === 'number' ? err.retryAfterMs : Number.isFinite(header) && header > 0 ? header * 1000 : undefined;
  return new ApiError(
    typeof err.code === 'string' ? err.code : res.status === 401 ? 'unauthorized' : 'http_' + res.status,
    res.status,
    typeof err.message === 'string' ? err.message : res.statusText,
    retryAfterMs,
    typeof err.until === 'string' || err.until === null ? (err.until as string | null) : undefined,
    typeof err.appealable === 'boolean' ? err.appealable : undefined,
  );
}

function parseToken(body: unknown): TokenResponse {
  const b = body as Partial<TokenResponse> | null;
  if (!b || typeof b.token !== 'string' || typeof b.expiresIn !== 'number' || b.expiresIn <= 0) {
    throw new ApiError('bad_response', 200, 'malformed token response');
  }
  return { token: b.token, expiresIn: b.expiresIn };
}

export class TokenSource {
  private token: string | null = null;
  private expiresAt = 0; // ms, on the injected clock
  private lifetimeMs = 0;
  private inflight: Promise<string> | null = null;
  private refreshTimer: TimerHandle | null = null;
  private started = false;

  constructor(private readonly opts: TokenSourceOptions) {}

  /** Keeps the token fresh in the background until stop(). */
  start(): void {
    this.started = true;
    this.schedule();
  }

  stop(): void {
    this.started = false;
    if (this.refreshTimer !== null) this.opts.timers.clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** Forget the token (e.g. the server closed the socket with 4001). */
  invalidate(): void {
    this.token = null;
    this.expiresAt = 0;
  }

  /** A token valid for at least the refresh margin, fetching or refreshing it if needed. */
  getToken(): Promise<string> {
    const now = this.opts.timers.now();
    if (this.token && now < this.refreshAt()) return Promise.resolve(this.token);
    return this.renew();
  }

  async turnCredentials(): Promise<{ iceServers: IceServerConfig[]; ttl: number }> {
    const token = await this.getToken();
    const res = await this.opts.fetch(this.opts.baseUrl + '/api/v1/turn-credentials', {
      headers: { Authorization: 'Bearer ' + token },
    });
    if (!res.ok) throw await readError(res);
    const body = (await res.json()) as Partial<Schemas['TurnCredentials']>;
    return { iceServers: Array.isArray(body.iceServers) ? body.iceServers : [], ttl: body.ttl ?? 0 };
  }

  private refreshAt(): number {
    const margin = Math.min(this.opts.refreshMarginMs ?? 60_000, this.lifetimeMs / 2);
    return this.expiresAt - margin;
  }

  private renew(): Promise<string> {
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const { fetch, baseUrl, deviceId, timers } = this.opts;
    let res: Response | null = null;
    if (this.token && timers.now() < this.expiresAt) {
      // Still valid: refresh it (keeps the same anonymous identity).
      res = await fetch(baseUrl + '/api/v1/session/refresh', {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + this.token },
      });
      if (!res.ok && res.status !== 403 && res.status !== 429) res = null; // fall back to a new session
    }
    if (!res) {
      res = await fetch(baseUrl + '/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ deviceId } satisfies Schemas['SessionRequest']),
      });
    }
    if (!res.ok) throw await readError(res);
    const { token, expiresIn } = parseToken(await res.json());
    this.token = token;
    this.lifetimeMs = expiresIn * 1000;
    this.expiresAt = timers.now() + this.lifetimeMs;
    this.schedule();
    return token;
  }

  private schedule(): void {
    if (!this.started || !this.token) return;
    const { timers } = this.opts;
    if (this.refreshTimer !== null) timers.clearTimeout(this.refreshTimer);
    const delay = Math.max(0, this.refreshAt() - timers.now());
    this.refreshTimer = timers.setTimeout(() => {
      this.refreshTimer = null;
      this.renew().catch(() => {
        // Try again shortly; getToken() will also retry on demand.
        if (this.started) this.refreshTimer = timers.setTimeout(() => this.schedule(), 5_000);
      });
    }, delay);
  }
}
