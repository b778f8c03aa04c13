// How often the shield samples the stranger's video: about twice a second,
// backing off when classifying a frame takes too long (a slow device, the CPU
// backend), so the shield never starves the call; recovering when it is fast
// again. Pure: the hook keeps the interval and asks this after each frame.
export interface SamplingPolicy {
  baseMs: number; // the normal interval between frames
  maxMs: number; // the slowest the shield samples
  /** A frame costing more than this share of the interval doubles the interval. */
  slowShare: number;
  /** A frame costing less than this share of the interval halves it (down to baseMs). */
  fastShare: number;
  /**
   * The gap between frames while the video is still blurred waiting for its
   * first safe frames: the viewer is looking at a blur, so the shield checks
   * frame after frame (only until it has decided, a few frames) instead of
   * waiting out the interval.
   */
  pendingGapMs: number;
}

export const DEFAULT_SAMPLING: SamplingPolicy = { baseMs: 500, maxMs: 4000, slowShare: 0.5, fastShare: 0.2, pendingGapMs: 50 };

/** How long to wait before the next frame: `pendingGapMs` while the shield has not cleared a new stranger yet, else the interval. */
export function nextDelay(intervalMs: number, pending: boolean, p: SamplingPolicy = DEFAULT_SAMPLING): number {
  return pending ? Math.min(p.pendingGapMs, intervalMs) : intervalMs;
}

/** The interval after a frame that took `frameMs` to classify at interval `currentMs`. */
export function nextInterval(currentMs: number, frameMs: number, p: SamplingPolicy = DEFAULT_SAMPLING): number {
  if (!Number.isFinite(frameMs) || frameMs < 0) return currentMs;
  if (frameMs > currentMs * p.slowShare) return Math.min(p.maxMs, Math.max(currentMs * 2, Math.ceil(frameMs / p.slowShare)));
  if (frameMs < currentMs * p.fastShare && currentMs > p.baseMs) return Math.max(p.baseMs, Math.floor(currentMs / 2));
  return currentMs;
}
