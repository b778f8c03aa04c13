// The anonymous device id (contract section 1): made once, kept in storage.

const KEY = 'serendip.deviceId';
const VALID = /^[A-Za-z0-9_-]{16,128}$/;

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadDeviceId(storage: KeyValueStorage, makeId: () => string): string {
  let id: string | null = null;
  try {
    id = storage.getItem(KEY);
  } catch {
    // storage disabled (private mode): a fresh id per page load still works
  }
  if (id && VALID.test(id)) return id;
  id = makeId();
  try {
    storage.setItem(KEY, id);
  } catch {
    // see above
  }
  return id;
}
