// Time as an injected dependency, so the signaling client and the token source
// are tested with a hand-driven clock instead of sleeping.

export type TimerHandle = unknown;

export interface Timers {
  now(): number; // milliseconds
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
