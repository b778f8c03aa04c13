// The ICE servers a call uses, with TURN credentials kept fresh. `welcome`
// brings the first set; coturn checks a credential's expiry (the username is
// "<expiry-unix-seconds>:<userId>") on every request of an allocation,
// refreshes included, so a relayed call can last only as long as the
// credential it started with. Before each search, once a tenth of the
// current credential's life (at least a minute) has gone, the cache fetches a
// new one (GET /api/v1/turn-credentials): every call starts with nearly the
// whole TTL, and someone pressing Next every few seconds costs one request
// per few minutes, not one per call.
import type { IceServerConfig } from './messages';

export interface IceServerCacheOptions {
  fetchCredentials: () => Promise<{ iceServers: IceServerConfig[] }>;
  now: () => number; // ms
}

/** The earliest expiry (ms) among the entries' TURN REST usernames; null when none carries one. */
export function credentialExpiryMs(servers: readonly IceServerConfig[]): number | null {
  let earliest: number | null = null;
  for (const s of servers) {
    const m = typeof s.username === 'string' ? /^(\d{1,12}):/.exec(s.username) : null;
    if (!m) continue;
    const ms = Number(m[1]) * 1000;
    earliest = earliest === null ? ms : Math.min(earliest, ms);
  }
  return earliest;
}

export class IceServerCache {
  private servers: IceServerConfig[] = [];
  private since = 0; // when the current set arrived (ms)
  private expires: number | null = null;
  private inflight: Promise<void> | null = null;

  constructor(private readonly opts: IceServerCacheOptions) {}

  /** A set from the server (`welcome` or the endpoint). */
  seed(servers: readonly IceServerConfig[]): void {
    this.servers = [...servers];
    this.since = this.opts.now();
    this.expires = credentialExpiryMs(servers);
  }

  current(): IceServerConfig[] {
    return this.servers;
  }

  /** Whether the current credentials have aged enough to fetch new ones before the next call. */
  aged(): boolean {
    if (this.expires === null) return false; // no TURN credentials: nothing expires
    const now = this.opts.now();
    const life = this.expires - this.since;
    return now - this.since >= Math.max(60_000, life / 10) || now >= this.expires;
  }

  /**
   * Fetches new credentials when `aged()`; one request at a time. Never
   * rejects: on failure the current set stays (still valid, or the call
   * falls back to direct connections and says so).
   */
  refreshIfAged(): Promise<void> {
    if (!this.aged()) return Promise.resolve();
    this.inflight ??= this.opts
      .fetchCredentials()
      .then((r) => {
        if (r.iceServers.length > 0) this.seed(r.iceServers);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}
