// Binds the shield to a call: samples the stranger's video (never the local
// self-view) about twice a second, downscaled to the model's 224x224 input,
// classifies it in the worker, and keeps the shield's state for the stage.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { DEFAULT_SAMPLING, nextDelay, nextInterval } from './sampling';
import { ShieldClient } from './shield-client';
import { hidesVideo, initialShield, reportMeta, showsOverlay, shieldReducer, type FrameVerdict, type ShieldState } from './shield-machine';
import { parseTuning, SHIELD_TEST_KEY, type ShieldTuning } from './shield-settings';
import { frameVerdict } from './worker-protocol';

const INPUT = 224; // MobileNetV2's input size

export interface ShieldStats {
  backend: string | null;
  loadMs: number | null;
  frames: number;
  workerMs: number[]; // per classified frame
  mainMs: number[]; // main-thread time per frame (capture + downscale + post)
  intervalMs: number;
  longTasks: number;
}

export interface ShieldApi {
  state: ShieldState;
  hidden: boolean;
  overlay: boolean;
  reveal: () => void;
  /** The shield's verdict for a report, when it flagged this stranger. */
  meta: () => FrameVerdict | null;
}

function readTuning(): ShieldTuning {
  try {
    return parseTuning(localStorage.getItem(SHIELD_TEST_KEY));
  } catch {
    return parseTuning(null);
  }
}

export function useShield({
  enabled,
  stream,
  sessionId,
  onFirstHide,
}: {
  enabled: boolean;
  stream: MediaStream | null;
  sessionId: string | null;
  onFirstHide?: (sessionId: string) => void;
}): ShieldApi {
  const tuning = useRef<ShieldTuning>(readTuning());
  const th = tuning.current.thresholds;
  const [state, dispatch] = useReducer((s: ShieldState, e: Parameters<typeof shieldReducer>[1]) => shieldReducer(s, e, th), enabled, initialShield);
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => dispatch({ type: 'enabled', on: enabled }), [enabled]);
  useEffect(() => dispatch({ type: 'new-stranger' }), [sessionId]);

  // The first hide of a stranger tells the server (a weak signal, no image, no score).
  const told = useRef<string | null>(null);
  useEffect(() => {
    if (sessionId && state.hides > 0 && told.current !== sessionId) {
      told.current = sessionId;
      onFirstHide?.(sessionId);
    }
  }, [sessionId, state.hides, onFirstHide]);

  // The worker (TensorFlow.js and the model, ~4 s to load on WASM) starts as
  // soon as a video call starts with the shield on, so it is ready by the
  // time a stranger arrives; it stops when the shield is off or the call ends.
  const [client, setClient] = useState<ShieldClient | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const c = new ShieldClient(
      () => new Worker(new URL('./shield.worker.ts', import.meta.url), { type: 'module', name: 'serendip-shield' }),
      tuning.current.backend,
    );
    setClient(c);
    return () => {
      c.close();
      setClient(null);
    };
  }, [enabled]);

  useEffect(() => {
    if (!client || !stream || !sessionId) return;
    const shield = client;
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    void video.play().catch(() => undefined);

    const stats: ShieldStats = { backend: null, loadMs: null, frames: 0, workerMs: [], mainMs: [], intervalMs: DEFAULT_SAMPLING.baseMs, longTasks: 0 };
    let observer: PerformanceObserver | null = null;
    if (tuning.current.stats) {
      (window as unknown as { __serendipShield?: ShieldStats }).__serendipShield = stats;
      try {
        observer = new PerformanceObserver((l) => (stats.longTasks += l.getEntries().length));
        observer.observe({ type: 'longtask', buffered: false });
      } catch {
        observer = null;
      }
    }

    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let interval = DEFAULT_SAMPLING.baseMs;
    let undecided = true; // a new stranger: blurred until its first frames are classified safe
    const tick = async () => {
      timer = null;
      if (stopped) return;
      if (video.readyState >= 2 && video.videoWidth > 0) {
        try {
          const t0 = performance.now();
          const frame = await createImageBitmap(video, { resizeWidth: INPUT, resizeHeight: INPUT, resizeQuality: 'low' });
          const pending = shield.classify(frame);
          const mainMs = performance.now() - t0;
          const r = await pending;
          if (stopped) return;
          const event = { type: 'frame', frame: frameVerdict(r.scores) } as const;
          undecided = shieldReducer(stateRef.current, event, th).status === 'pending';
          dispatch(event);
          interval = nextInterval(interval, r.ms);
          if (tuning.current.stats) {
            stats.frames += 1;
            stats.backend = shield.backend;
            stats.loadMs = shield.loadMs;
            stats.workerMs.push(r.ms);
            stats.mainMs.push(Math.round(mainMs * 10) / 10);
            stats.intervalMs = interval;
          }
        } catch {
          if (stopped) return;
          if (shield.failed) {
            dispatch({ type: 'failed' });
            return;
          }
        }
      }
      if (!stopped) timer = setTimeout(() => void tick(), nextDelay(interval, undecided));
    };
    timer = setTimeout(() => void tick(), 0);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      observer?.disconnect();
      video.pause();
      video.srcObject = null;
    };
  }, [client, stream, sessionId]);

  const reveal = useCallback(() => dispatch({ type: 'reveal' }), []);
  const meta = useCallback(() => reportMeta(stateRef.current, th), [th]);
  return { state, hidden: hidesVideo(state), overlay: showsOverlay(state), reveal, meta };
}
