// One piece of server data and its loading state, optionally refreshed on an
// interval. Late answers of superseded loads are dropped. No React: the hook
// in use-store.ts binds it.
import type { Timers } from '../../lib/signaling/timers';
import { AdminApiError } from './api-client';

export type ResourceState<T> = {
  data: T | null; // the latest data, kept while reloading or after a failed refresh
  loading: boolean;
  error: AdminApiError | null;
  updatedAt: number | null; // when data last arrived (timers' clock)
};

export function toApiError(e: unknown): AdminApiError {
  return e instanceof AdminApiError ? e : new AdminApiError('internal', 0, e instanceof Error ? e.message : String(e));
}

export class Resource<T> {
  private current: ResourceState<T> = { data: null, loading: false, error: null, updatedAt: null };
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private pollTimer: unknown = null;
  private pollMs = 0;

  constructor(
    private readonly fetcher: () => Promise<T>,
    private readonly timers: Timers,
  ) {}

  get state(): ResourceState<T> {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async reload(): Promise<void> {
    const seq = ++this.seq;
    this.update({ loading: true });
    try {
      const data = await this.fetcher();
      if (seq !== this.seq) return;
      this.update({ data, loading: false, error: null, updatedAt: this.timers.now() });
    } catch (e) {
      if (seq !== this.seq) return;
      const error = toApiError(e);
      this.update({ loading: false, error });
      // Signed out: polling on would only collect more 401s.
      if (error.status === 401) this.stopPolling();
    } finally {
      if (seq === this.seq) this.scheduleNext();
    }
  }

  /** Loads now, then again `intervalMs` after each answer, until stopPolling(). */
  startPolling(intervalMs: number): void {
    this.pollMs = intervalMs;
    void this.reload();
  }

  stopPolling(): void {
    this.pollMs = 0;
    if (this.pollTimer !== null) this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  private scheduleNext(): void {
    if (this.pollTimer !== null) this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = null;
    if (this.pollMs > 0) {
      this.pollTimer = this.timers.setTimeout(() => {
        this.pollTimer = null;
        void this.reload();
      }, this.pollMs);
    }
  }

  private update(patch: Partial<ResourceState<T>>): void {
    this.current = { ...this.current, ...patch };
    for (const l of [...this.listeners]) l();
  }
}
