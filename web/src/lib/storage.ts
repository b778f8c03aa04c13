// JSON values in localStorage that survive a disabled or full storage.
import type { KeyValueStorage } from './signaling/device-id';

export function loadJson<T>(storage: KeyValueStorage | undefined, key: string, sanitize: (raw: unknown) => T): T {
  let raw: unknown = undefined;
  try {
    const text = storage?.getItem(key);
    if (text) raw = JSON.parse(text);
  } catch {
    // missing, unreadable or not JSON: defaults
  }
  return sanitize(raw);
}

export function saveJson(storage: KeyValueStorage | undefined, key: string, value: unknown): void {
  try {
    storage?.setItem(key, JSON.stringify(value));
  } catch {
    // private mode or quota: settings last for this visit only
  }
}
