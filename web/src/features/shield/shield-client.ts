// The call app's side of the shield worker: starts it, sends downscaled
// frames (transferred, never copied) and resolves each with its verdict. No
// React. The Worker comes from a factory so tests drive it with a fake.
import { parseFromWorker, type Backend, type BackendChoice, type ClassScores, type FromWorker, type ToWorker } from './worker-protocol';

export interface WorkerLike {
  postMessage(message: ToWorker, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

export interface FrameResult {
  scores: ClassScores;
  ms: number; // time the worker spent classifying
}

export class ShieldClient {
  private readonly worker: WorkerLike;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: FrameResult) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  backend: Backend | null = null;
  loadMs: number | null = null;

  constructor(makeWorker: () => WorkerLike, backend: BackendChoice = 'auto') {
    this.worker = makeWorker();
    this.worker.onmessage = (e) => this.onMessage(parseFromWorker(e.data));
    this.worker.onerror = (e) => this.fail(new Error(e.message || 'shield worker failed'));
    this.worker.postMessage({ type: 'init', backend });
  }

  /** Classifies one frame; the bitmap is transferred to the worker (unusable here afterwards). */
  classify(frame: ImageBitmap): Promise<FrameResult> {
    if (this.failure) {
      frame.close();
      return Promise.reject(this.failure);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'classify', id, frame }, [frame]);
    });
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  close() {
    this.worker.terminate();
    this.fail(new Error('shield closed'));
  }

  private onMessage(m: FromWorker | null) {
    if (!m) return;
    if (m.type === 'ready') {
      this.backend = m.backend;
      this.loadMs = m.loadMs;
    } else if (m.type === 'result') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve({ scores: m.scores, ms: m.ms });
    } else if (m.id === null) {
      this.fail(new Error(m.message)); // the model could not load: no frame will ever be classified
    } else {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.reject(new Error(m.message));
    }
  }

  private fail(err: Error) {
    this.failure ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}
