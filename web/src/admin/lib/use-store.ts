// Binds the plain stores (session, resources, lists) to React.
import { useCallback, useSyncExternalStore } from 'react';

export interface Store<S> {
  readonly state: S;
  subscribe(listener: () => void): () => void;
}

export function useStore<S>(store: Store<S>): S {
  const subscribe = useCallback((listener: () => void) => store.subscribe(listener), [store]);
  return useSyncExternalStore(subscribe, () => store.state);
}
