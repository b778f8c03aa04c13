// The call machine's timers as use-call.ts keeps them: at most one per name,
// started, started over or cancelled by the machine's effects; one that runs
// out reports its name. Time is injected, so tests drive it by hand.
import type { TimerHandle, Timers } from '../../lib/signaling/timers';

export class NamedTimers<Name extends string> {
  private readonly running = new Map<Name, TimerHandle>();

  /** `timers`: passed by argument, outlives this object. */
  constructor(
    private readonly timers: Timers,
    private readonly ranOut: (name: Name) => void,
  ) {}

  /** Starts the timer, or starts it over if it is running. */
  start(name: Name, delayMs: number): void {
    this.cancel(name);
    const handle = this.timers.setTimeout(() => {
      this.running.delete(name);
      this.ranOut(name);
    }, delayMs);
    this.running.set(name, handle);
  }

  cancel(name: Name): void {
    const handle = this.running.get(name);
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.running.delete(name);
  }

  cancelAll(): void {
    for (const name of [...this.running.keys()]) this.cancel(name);
  }

  /** The names now running (for tests). */
  names(): Name[] {
    return [...this.running.keys()];
  }
}
