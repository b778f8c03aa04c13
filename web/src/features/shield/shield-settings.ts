// Test-only overrides of the shield, read from localStorage key
// `serendip.shield.test` (JSON). Only browser tests set it; nothing in the app
// writes it. Documented in docs/shield.md:
//   {"hideAt": 0}        every frame counts as unsafe (the video stays hidden)
//   {"backend": "cpu"}   force a TensorFlow.js backend: cpu | wasm | webgl
//   {"stats": true}      publish per-frame costs on window.__serendipShield
import { DEFAULT_THRESHOLDS, type ShieldThresholds } from './shield-machine';
import type { BackendChoice } from './worker-protocol';

export const SHIELD_TEST_KEY = 'serendip.shield.test';

export interface ShieldTuning {
  thresholds: ShieldThresholds;
  backend: BackendChoice;
  stats: boolean;
}

export function parseTuning(raw: string | null): ShieldTuning {
  let o: Record<string, unknown> = {};
  try {
    const v: unknown = raw ? JSON.parse(raw) : {};
    if (typeof v === 'object' && v !== null) o = v as Record<string, unknown>;
  } catch {
    // not JSON: defaults
  }
  const th = { ...DEFAULT_THRESHOLDS };
  if (typeof o.hideAt === 'number' && o.hideAt >= 0 && o.hideAt <= 1) {
    th.hideAt = o.hideAt;
    th.clearBelow = Math.min(th.clearBelow, o.hideAt);
  }
  const backend = o.backend === 'cpu' || o.backend === 'wasm' || o.backend === 'webgl' ? o.backend : 'auto';
  return { thresholds: th, backend, stats: o.stats === true };
}
