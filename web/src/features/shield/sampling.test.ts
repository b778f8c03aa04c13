import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING, nextDelay, nextInterval } from './sampling';

describe('sampling back-off', () => {
  it.each([
    // current interval, frame cost, next interval
    [500, 40, 500], // fast: stays at the base rate (twice a second)
    [500, 200, 500], // 40% of the interval: fine
    [500, 300, 1000], // over half the interval: doubles
    [500, 900, 1800], // far over: enough room for the frame to take under half
    [2000, 1500, 4000], // doubles, capped at maxMs
    [1000, 600, 2000],
    [4000, 5000, 4000], // never slower than maxMs
    [2000, 100, 1000], // fast again: halves...
    [1000, 50, 500],
    [600, 10, 500], // ...but never below the base
    [1000, 300, 1000], // between the two shares: holds
    [500, Number.NaN, 500],
    [500, -1, 500],
  ])('at %i ms, a %d ms frame -> %i ms', (current, frameMs, next) => {
    expect(nextInterval(current, frameMs)).toBe(next);
  });

  it('a sustained slow classifier settles at a rate it can keep up with, and recovers', () => {
    let interval = DEFAULT_SAMPLING.baseMs;
    for (let i = 0; i < 10; i++) interval = nextInterval(interval, 700);
    expect(interval).toBeGreaterThanOrEqual(1400);
    expect(700 / interval).toBeLessThanOrEqual(DEFAULT_SAMPLING.slowShare);
    for (let i = 0; i < 10; i++) interval = nextInterval(interval, 30);
    expect(interval).toBe(DEFAULT_SAMPLING.baseMs);
  });

  it('while a new stranger is still blurred, the next frame follows at once; afterwards the interval holds', () => {
    expect(nextDelay(500, true)).toBe(DEFAULT_SAMPLING.pendingGapMs);
    expect(nextDelay(4000, true)).toBe(DEFAULT_SAMPLING.pendingGapMs); // even after a back-off
    expect(nextDelay(500, false)).toBe(500);
    expect(nextDelay(2000, false)).toBe(2000);
    expect(nextDelay(20, true, { ...DEFAULT_SAMPLING, pendingGapMs: 50 })).toBe(20);
  });
});
