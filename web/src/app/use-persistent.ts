import { useCallback, useState } from 'react';
import { loadJson, saveJson } from '../lib/storage';

/** State mirrored to localStorage under `key`, sanitized on load. */
export function usePersistent<T extends object>(key: string, sanitize: (raw: unknown) => T) {
  const [value, setValue] = useState<T>(() => loadJson(window.localStorage, key, sanitize));
  const update = useCallback(
    (patch: Partial<T>) =>
      setValue((v) => {
        const next = sanitize({ ...v, ...patch });
        saveJson(window.localStorage, key, next);
        return next;
      }),
    [key, sanitize],
  );
  return [value, update] as const;
}
