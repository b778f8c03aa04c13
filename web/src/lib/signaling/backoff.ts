// Exponential backoff with "equal jitter": half of the capped delay is fixed,
// half is random, so a crowd of clients that lost the same server spreads out
// instead of reconnecting in lockstep, yet nobody retries immediately.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 15_000, factor: 2 };

/** Delay before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(cap / 2 + random() * (cap / 2));
}
