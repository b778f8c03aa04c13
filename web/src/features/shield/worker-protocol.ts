// The messages between the call app and the shield's Web Worker, and the
// worker's side of the conversation over an injected classifier, so it is
// tested without TensorFlow (worker-protocol.test.ts) and run for real by
// shield.worker.ts with nsfwjs.
//
// Frames cross as transferred ImageBitmaps (already downscaled on the main
// thread); nothing else about the video does. Answers come in order, one per
// frame; a frame sent before the model is ready waits for it.
import type { FrameVerdict } from './shield-machine';

export type Backend = 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = Backend | 'auto';

/** nsfwjs's five classes, each a probability; they add up to about 1. */
export interface ClassScores {
  Drawing: number;
  Hentai: number;
  Neutral: number;
  Porn: number;
  Sexy: number;
}

export type ToWorker = { type: 'init'; backend: BackendChoice } | { type: 'classify'; id: number; frame: ImageBitmap };

export type FromWorker =
  | { type: 'ready'; backend: Backend; loadMs: number }
  | { type: 'result'; id: number; scores: ClassScores; ms: number }
  | { type: 'error'; id: number | null; message: string };

/** What the worker needs of a classifier (nsfwjs on TensorFlow.js, or a stub). */
export interface Classifier {
  backend: Backend;
  classify(frame: ImageBitmap): Promise<ClassScores>;
}
export type LoadClassifier = (backend: BackendChoice) => Promise<Classifier>;

/**
 * The unsafe score of a frame and its kind: explicit content (Porn, Hentai)
 * counts fully and is "nudity"; suggestive content (Sexy) counts half, so it
 * alone needs a very confident classifier to hide the video.
 */
export function frameVerdict(s: ClassScores): FrameVerdict {
  const explicit = s.Porn + s.Hentai;
  const suggestive = s.Sexy;
  const score = Math.min(1, Math.max(0, explicit + suggestive * 0.5));
  return { score, verdict: explicit >= suggestive * 0.5 ? 'nudity' : 'suggestive' };
}

const CLASSES: (keyof ClassScores)[] = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

/** nsfwjs's [{className, probability}] as ClassScores (missing classes count 0). */
export function toClassScores(predictions: readonly { className: string; probability: number }[]): ClassScores {
  const out: ClassScores = { Drawing: 0, Hentai: 0, Neutral: 0, Porn: 0, Sexy: 0 };
  for (const p of predictions) {
    if ((CLASSES as string[]).includes(p.className) && Number.isFinite(p.probability)) out[p.className as keyof ClassScores] = p.probability;
  }
  return out;
}

/** A message from the worker, checked (a worker is ours, but the check is cheap and keeps types honest). */
export function parseFromWorker(data: unknown): FromWorker | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.type === 'ready' && (m.backend === 'webgl' || m.backend === 'wasm' || m.backend === 'cpu') && typeof m.loadMs === 'number') {
    return { type: 'ready', backend: m.backend, loadMs: m.loadMs };
  }
  if (m.type === 'result' && typeof m.id === 'number' && typeof m.ms === 'number' && typeof m.scores === 'object' && m.scores !== null) {
    const s = m.scores as Record<string, unknown>;
    if (CLASSES.every((c) => typeof s[c] === 'number')) return { type: 'result', id: m.id, ms: m.ms, scores: s as unknown as ClassScores };
  }
  if (m.type === 'error' && (typeof m.id === 'number' || m.id === null) && typeof m.message === 'string') {
    return { type: 'error', id: m.id, message: m.message };
  }
  return null;
}

/**
 * The worker's message handler: `init` loads the classifier once; each
 * `classify` answers `result` (with the time the classification took) or
 * `error`, and closes the frame's bitmap either way.
 */
export function createWorkerHandler(load: LoadClassifier, post: (m: FromWorker) => void, now: () => number = () => performance.now()) {
  let classifier: Promise<Classifier> | null = null;
  const ensure = (backend: BackendChoice) => {
    if (!classifier) {
      const t0 = now();
      classifier = load(backend);
      classifier.then(
        (c) => post({ type: 'ready', backend: c.backend, loadMs: Math.round(now() - t0) }),
        (err: unknown) => post({ type: 'error', id: null, message: String(err instanceof Error ? err.message : err) }),
      );
    }
    return classifier;
  };
  return async (msg: ToWorker): Promise<void> => {
    if (msg.type === 'init') {
      void ensure(msg.backend).catch(() => undefined);
      return;
    }
    if (msg.type !== 'classify') return;
    try {
      const c = await ensure('auto');
      const t0 = now();
      const scores = await c.classify(msg.frame);
      post({ type: 'result', id: msg.id, scores, ms: Math.round((now() - t0) * 10) / 10 });
    } catch (err) {
      post({ type: 'error', id: msg.id, message: String(err instanceof Error ? err.message : err) });
    } finally {
      msg.frame.close?.();
    }
  };
}
