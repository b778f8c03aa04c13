import { describe, expect, it } from 'vitest';
import { hidesVideo, initialShield, reportMeta, shieldReducer, showsOverlay, type ShieldEvent, type ShieldState } from './shield-machine';

const frame = (score: number, verdict: 'nudity' | 'suggestive' = 'nudity'): ShieldEvent => ({ type: 'frame', frame: { score, verdict } });
const run = (events: ShieldEvent[], s: ShieldState = initialShield(true)) => events.reduce((acc, e) => shieldReducer(acc, e), s);

describe('shield state machine', () => {
  it.each<[string, ShieldEvent[], string, boolean, boolean]>([
    // name, events, status, video hidden, overlay shown
    ['a new stranger starts blurred without the overlay', [], 'pending', true, false],
    ['one safe frame is not enough', [frame(0.05)], 'pending', true, false],
    ['two safe frames clear it', [frame(0.05), frame(0.1)], 'clear', false, false],
    ['an unsafe first frame hides it with the overlay', [frame(0.9)], 'hidden', true, true],
    ['clear then one unsafe frame: hidden at once', [frame(0), frame(0), frame(0.61)], 'hidden', true, true],
    ['a score between the thresholds keeps it clear', [frame(0), frame(0), frame(0.5)], 'clear', false, false],
    ['hidden stays hidden on one safe frame (hysteresis)', [frame(0.9), frame(0.1)], 'hidden', true, true],
    ['hidden stays hidden on scores just under the threshold', [frame(0.9), frame(0.5), frame(0.55), frame(0.4)], 'hidden', true, true],
    ['hidden clears after two frames below the lower threshold', [frame(0.9), frame(0.1), frame(0.2)], 'clear', false, false],
    ['a middling frame breaks the safe streak', [frame(0.9), frame(0.1), frame(0.5), frame(0.1)], 'hidden', true, true],
    ['classifier failure keeps it blurred', [{ type: 'failed' }], 'unavailable', true, false],
  ])('%s', (_name, events, status, hidden, overlay) => {
    const s = run(events);
    expect(s.status).toBe(status);
    expect(hidesVideo(s)).toBe(hidden);
    expect(showsOverlay(s)).toBe(overlay);
  });

  it('blurred -> clear -> blurred -> clear counts each hide once', () => {
    const s = run([frame(0), frame(0), frame(0.8), frame(0.95), frame(0), frame(0), frame(0.7)]);
    expect(s.status).toBe('hidden');
    expect(s.hides).toBe(2);
  });

  it('reveal works once per stranger and then the video shows whatever the frames say', () => {
    let s = run([frame(0.9), { type: 'reveal' }]);
    expect(s.revealed).toBe(true);
    expect(hidesVideo(s)).toBe(false);
    expect(showsOverlay(s)).toBe(false);
    s = run([frame(0.99), { type: 'reveal' }], s);
    expect(hidesVideo(s)).toBe(false);
    // The next stranger starts blurred again; the reveal is spent per stranger.
    s = shieldReducer(s, { type: 'new-stranger' });
    expect(s.revealed).toBe(false);
    expect(hidesVideo(s)).toBe(true);
  });

  it('a clear video cannot be "revealed" (nothing to reveal; the reveal stays available)', () => {
    const s = run([frame(0), frame(0), { type: 'reveal' }]);
    expect(s.revealed).toBe(false);
    expect(hidesVideo(run([frame(0.9)], s))).toBe(true);
  });

  it('off: nothing is hidden and frames are ignored; on again starts pending', () => {
    let s = initialShield(false);
    expect(hidesVideo(s)).toBe(false);
    s = run([frame(0.99), frame(0.99)], s);
    expect(s.status).toBe('off');
    expect(hidesVideo(s)).toBe(false);
    s = run([{ type: 'enabled', on: true }], s);
    expect(s.status).toBe('pending');
    s = run([frame(0.9), { type: 'enabled', on: false }], s);
    expect(s.status).toBe('off');
    expect(hidesVideo(s)).toBe(false);
    // A new stranger while off stays off.
    expect(shieldReducer(s, { type: 'new-stranger' }).status).toBe('off');
  });

  it('a threshold of 0 hides every frame (the test-only setting)', () => {
    const th = { hideAt: 0, clearBelow: 0, clearAfter: 2 };
    const s = [frame(0), frame(0.001), frame(0)].reduce((acc, e) => shieldReducer(acc, e, th), initialShield(true));
    expect(s.status).toBe('hidden');
  });

  it('the report carries the worst verdict only when it crossed the threshold', () => {
    expect(reportMeta(run([frame(0.2), frame(0.3)]))).toBeNull();
    expect(reportMeta(run([frame(0.2), frame(0.93456, 'nudity'), frame(0.7, 'suggestive')]))).toEqual({ verdict: 'nudity', score: 0.935 });
    expect(reportMeta(initialShield(true))).toBeNull();
  });
});
