// React bindings for Resource and PagedList, and a small runner for mutations
// (decide, block, lift...) that tracks busy / error / the outcome message.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AdminApiError } from './api-client';
import { PagedList, type FetchPage, type ListState } from './paged-list';
import { Resource, toApiError, type ResourceState } from './resource';
import { useServices } from './services-context';
import { useStore } from './use-store';

function useLatest<T>(value: T) {
  const ref = useRef(value);
  useEffect(() => {
    ref.current = value;
  });
  return ref;
}

/** Loads whenever `key` changes (null: not at all), and every `pollMs` if set. */
export function useResource<T>(key: string | null, fetcher: () => Promise<T>, pollMs = 0): ResourceState<T> & { reload: () => Promise<void> } {
  const { timers } = useServices();
  const latest = useLatest(fetcher);
  const [resource] = useState(() => new Resource<T>(() => latest.current(), timers));
  const state = useStore(resource);
  useEffect(() => {
    if (key === null) return;
    if (pollMs > 0) {
      resource.startPolling(pollMs);
      return () => resource.stopPolling();
    }
    void resource.reload();
    return undefined;
  }, [resource, key, pollMs]);
  const reload = useCallback(() => resource.reload(), [resource]);
  return { ...state, reload };
}

export interface PagedListHandle<T, F> extends ListState<T, F> {
  setFilter: (f: F) => void;
  reload: () => void;
  loadMore: () => void;
  updateItems: (fn: (items: T[]) => T[]) => void;
}

export function usePagedList<T, F>(fetchPage: FetchPage<T, F>, initialFilter: F, limit = 50): PagedListHandle<T, F> {
  const { timers } = useServices();
  const latest = useLatest(fetchPage);
  const [list] = useState(() => new PagedList<T, F>((f, p) => latest.current(f, p), initialFilter, timers, limit));
  const state = useStore(list);
  useEffect(() => {
    void list.reload();
  }, [list]);
  return {
    ...state,
    setFilter: useCallback((f: F) => void list.setFilter(f), [list]),
    reload: useCallback(() => void list.reload(), [list]),
    loadMore: useCallback(() => void list.loadMore(), [list]),
    updateItems: useCallback((fn: (items: T[]) => T[]) => list.updateItems(fn), [list]),
  };
}

export interface ActionState {
  busy: boolean;
  error: AdminApiError | null;
  message: string | null; // what the last success did, for a status line
}

/** Runs one mutation at a time; `fn` returns the message to announce on success. */
export function useAction() {
  const { changes } = useServices();
  const [state, setState] = useState<ActionState>({ busy: false, error: null, message: null });
  const busy = useRef(false);
  const run = useCallback(async (fn: () => Promise<string | null>): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    setState({ busy: true, error: null, message: null });
    try {
      const message = await fn();
      setState({ busy: false, error: null, message });
      changes.emit();
      return true;
    } catch (e) {
      setState({ busy: false, error: toApiError(e), message: null });
      return false;
    } finally {
      busy.current = false;
    }
  }, [changes]);
  const clear = useCallback(() => setState({ busy: false, error: null, message: null }), []);
  return { ...state, run, clear };
}

/** Calls `reload` when `value` (a count from the live figures) changes from one known value to another. */
export function useReloadOnChange(value: number | null, reload: () => void) {
  const last = useRef(value);
  useEffect(() => {
    const before = last.current;
    last.current = value;
    if (before !== null && value !== null && before !== value) reload();
  }, [value, reload]);
}
