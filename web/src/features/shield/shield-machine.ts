// The safety shield's state for the stranger's video: a pure reducer over the
// classifier's verdicts, the viewer's actions and the settings. The hook
// (use-shield.ts) feeds it; the stage reads `hidesVideo` and `showsOverlay`.
//
//   pending  the shield is on and has not yet seen enough safe frames: the
//            video is blurred (a new stranger always starts here)
//   clear    `clearAfter` consecutive frames scored below `clearBelow`
//   hidden   one frame scored at or above `hideAt`: blurred at once, with the
//            overlay; it clears again only after `clearAfter` frames below
//            `clearBelow` (< hideAt: hysteresis, so a score wobbling around
//            the threshold does not flicker)
//   off      the viewer turned the shield off in Settings
//
// `revealed`: the viewer confirmed 18+ and chose to see this stranger's video
// anyway. It is granted once per stranger and lasts until the next one: the
// shield keeps classifying (the report can still carry its verdict) but no
// longer hides the video.
export type ShieldStatus = 'off' | 'pending' | 'clear' | 'hidden' | 'unavailable';

export type ShieldVerdict = 'nudity' | 'suggestive';

export interface ShieldThresholds {
  hideAt: number; // unsafe score at or above this hides the video at once
  clearBelow: number; // scores below this count towards clearing
  clearAfter: number; // consecutive such frames needed to clear
}

export const DEFAULT_THRESHOLDS: ShieldThresholds = { hideAt: 0.6, clearBelow: 0.35, clearAfter: 2 };

export interface ShieldState {
  status: ShieldStatus;
  revealed: boolean;
  safeStreak: number;
  /** The highest unsafe score and its label since this stranger arrived (for a report). */
  worst: { verdict: ShieldVerdict; score: number } | null;
  /** How many times the video went from shown (or pending) to hidden for this stranger. */
  hides: number;
}

/** One classified frame: the unsafe score (0..1) and what kind of unsafe it is. */
export interface FrameVerdict {
  score: number;
  verdict: ShieldVerdict;
}

export type ShieldEvent =
  | { type: 'frame'; frame: FrameVerdict }
  | { type: 'new-stranger' }
  | { type: 'reveal' }
  | { type: 'enabled'; on: boolean }
  | { type: 'failed' };

export function initialShield(on: boolean): ShieldState {
  return { status: on ? 'pending' : 'off', revealed: false, safeStreak: 0, worst: null, hides: 0 };
}

export function shieldReducer(s: ShieldState, e: ShieldEvent, th: ShieldThresholds = DEFAULT_THRESHOLDS): ShieldState {
  switch (e.type) {
    case 'enabled':
      if (!e.on) return { ...initialShield(false), worst: s.worst };
      return s.status === 'off' ? { ...initialShield(true), worst: s.worst } : s;
    case 'new-stranger':
      return initialShield(s.status !== 'off');
    case 'reveal':
      // Only a hidden or still-pending video can be revealed, once per stranger.
      if (s.revealed || (s.status !== 'hidden' && s.status !== 'pending' && s.status !== 'unavailable')) return s;
      return { ...s, revealed: true };
    case 'failed':
      // No classifier (it could not load here): stay blurred, the viewer may reveal.
      return s.status === 'off' ? s : { ...s, status: 'unavailable', safeStreak: 0 };
    case 'frame': {
      if (s.status === 'off' || s.status === 'unavailable') return s;
      const { score, verdict } = e.frame;
      const worst = !s.worst || score > s.worst.score ? { verdict, score } : s.worst;
      if (score >= th.hideAt) {
        const hides = s.status === 'hidden' ? s.hides : s.hides + 1;
        return { ...s, status: 'hidden', safeStreak: 0, worst, hides };
      }
      if (score < th.clearBelow) {
        const safeStreak = s.safeStreak + 1;
        return { ...s, safeStreak, worst, status: safeStreak >= th.clearAfter ? 'clear' : s.status };
      }
      // Between the two thresholds: neither clears nor hides; breaks a safe streak.
      return { ...s, safeStreak: 0, worst };
    }
  }
}

/** Whether the stranger's video is blurred now. */
export function hidesVideo(s: ShieldState): boolean {
  return !s.revealed && (s.status === 'pending' || s.status === 'hidden' || s.status === 'unavailable');
}

/** Whether the "Hidden by your safety shield" overlay shows (not while merely pending). */
export function showsOverlay(s: ShieldState): boolean {
  return !s.revealed && s.status === 'hidden';
}

/** The shield's verdict as a report carries it: the worst frame seen, if it crossed the threshold. */
export function reportMeta(s: ShieldState, th: ShieldThresholds = DEFAULT_THRESHOLDS): FrameVerdict | null {
  if (!s.worst || s.worst.score < th.hideAt) return null;
  return { verdict: s.worst.verdict, score: Math.round(s.worst.score * 1000) / 1000 };
}
