// A filtered, cursor-paginated server list (reports, blocks, appeals, audit):
// the first page on every filter change, more pages appended on demand.
// Answers for a superseded filter are dropped. No React.
import type { Timers } from '../../lib/signaling/timers';
import type { AdminApiError } from './api-client';
import { toApiError } from './resource';
import type { Page, PageRequest } from './types';

export interface ListState<T, F> {
  filter: F;
  items: T[];
  nextCursor: string | null;
  loading: boolean;
  loaded: boolean; // the first page of this filter has arrived
  error: AdminApiError | null;
  updatedAt: number | null;
}

export type FetchPage<T, F> = (filter: F, page: PageRequest) => Promise<Page<T>>;

export class PagedList<T, F> {
  private current: ListState<T, F>;
  private readonly listeners = new Set<() => void>();
  private seq = 0;

  constructor(
    private readonly fetchPage: FetchPage<T, F>,
    filter: F,
    private readonly timers: Timers,
    private readonly limit = 50,
  ) {
    this.current = { filter, items: [], nextCursor: null, loading: false, loaded: false, error: null, updatedAt: null };
  }

  get state(): ListState<T, F> {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setFilter(filter: F): Promise<void> {
    this.update({ filter, items: [], nextCursor: null, loaded: false, error: null });
    return this.reload();
  }

  /** The first page again, replacing what is shown. */
  reload(): Promise<void> {
    return this.load(undefined);
  }

  loadMore(): Promise<void> {
    if (!this.current.nextCursor || this.current.loading) return Promise.resolve();
    return this.load(this.current.nextCursor);
  }

  /** Local edit after a mutation the server confirmed (a decided report, a lifted block). */
  updateItems(fn: (items: T[]) => T[]): void {
    this.update({ items: fn(this.current.items) });
  }

  private async load(cursor: string | undefined): Promise<void> {
    const seq = ++this.seq;
    const filter = this.current.filter;
    this.update({ loading: true });
    try {
      const page = await this.fetchPage(filter, { limit: this.limit, ...(cursor ? { cursor } : {}) });
      if (seq !== this.seq) return;
      this.update({
        items: cursor ? [...this.current.items, ...page.items] : page.items,
        nextCursor: page.nextCursor,
        loading: false,
        loaded: true,
        error: null,
        updatedAt: this.timers.now(),
      });
    } catch (e) {
      if (seq !== this.seq) return;
      this.update({ loading: false, loaded: true, error: toApiError(e) });
    }
  }

  private update(patch: Partial<ListState<T, F>>): void {
    this.current = { ...this.current, ...patch };
    for (const l of [...this.listeners]) l();
  }
}
