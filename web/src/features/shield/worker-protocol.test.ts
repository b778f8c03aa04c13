import { describe, expect, it, vi } from 'vitest';
import { ShieldClient, type WorkerLike } from './shield-client';
import { createWorkerHandler, frameVerdict, parseFromWorker, toClassScores, type ClassScores, type Classifier, type FromWorker, type ToWorker } from './worker-protocol';

const scores = (p: Partial<ClassScores>): ClassScores => ({ Drawing: 0, Hentai: 0, Neutral: 0, Porn: 0, Sexy: 0, ...p });
const bitmap = () => ({ close: vi.fn(), width: 224, height: 224 }) as unknown as ImageBitmap;
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('frame verdicts', () => {
  it.each<[Partial<ClassScores>, number, string]>([
    [{ Neutral: 0.97, Drawing: 0.03 }, 0, 'nudity'],
    [{ Porn: 0.7, Hentai: 0.2, Neutral: 0.1 }, 0.9, 'nudity'],
    [{ Sexy: 0.9, Neutral: 0.1 }, 0.45, 'suggestive'],
    [{ Sexy: 0.4, Porn: 0.5 }, 0.7, 'nudity'],
  ])('%o -> %d %s', (p, score, verdict) => {
    const v = frameVerdict(scores(p));
    expect(v.score).toBeCloseTo(score, 5);
    expect(v.verdict).toBe(verdict);
  });

  it('reads nsfwjs predictions, ignoring unknown classes and bad numbers', () => {
    expect(toClassScores([{ className: 'Porn', probability: 0.5 }, { className: 'Cat', probability: 1 }, { className: 'Sexy', probability: Number.NaN }])).toEqual(
      scores({ Porn: 0.5 }),
    );
  });

  it('checks what comes from the worker', () => {
    expect(parseFromWorker({ type: 'ready', backend: 'cpu', loadMs: 5 })).toEqual({ type: 'ready', backend: 'cpu', loadMs: 5 });
    expect(parseFromWorker({ type: 'ready', backend: 'gpu', loadMs: 5 })).toBeNull();
    expect(parseFromWorker({ type: 'result', id: 1, ms: 3, scores: { Porn: 1 } })).toBeNull();
    expect(parseFromWorker({ type: 'error', id: null, message: 'x' })).toEqual({ type: 'error', id: null, message: 'x' });
    expect(parseFromWorker('nope')).toBeNull();
  });
});

describe('the worker handler (stub classifier)', () => {
  const stub = (result: ClassScores | Error, backend: Classifier['backend'] = 'cpu'): Classifier => ({
    backend,
    classify: vi.fn(async () => {
      if (result instanceof Error) throw result;
      return result;
    }),
  });

  it('loads once on init, answers each frame with its scores and time, and closes the bitmap', async () => {
    const posted: FromWorker[] = [];
    const classifier = stub(scores({ Neutral: 1 }));
    const load = vi.fn(async () => classifier);
    let t = 0;
    const handle = createWorkerHandler(load, (m) => posted.push(m), () => (t += 10));
    await handle({ type: 'init', backend: 'wasm' });
    const b1 = bitmap();
    const b2 = bitmap();
    await handle({ type: 'classify', id: 1, frame: b1 });
    await handle({ type: 'classify', id: 2, frame: b2 });
    expect(load).toHaveBeenCalledTimes(1);
    expect(load).toHaveBeenCalledWith('wasm');
    expect(posted[0]).toMatchObject({ type: 'ready', backend: 'cpu' });
    expect(posted.filter((m) => m.type === 'result').map((m) => (m.type === 'result' ? m.id : -1))).toEqual([1, 2]);
    expect(posted[1]).toMatchObject({ type: 'result', scores: scores({ Neutral: 1 }), ms: 10 });
    expect(b1.close).toHaveBeenCalled();
    expect(b2.close).toHaveBeenCalled();
  });

  it('a frame before init waits for the model; a failing frame answers error with its id', async () => {
    const posted: FromWorker[] = [];
    const handle = createWorkerHandler(async () => stub(new Error('boom')), (m) => posted.push(m));
    const b = bitmap();
    await handle({ type: 'classify', id: 7, frame: b });
    expect(posted).toContainEqual({ type: 'error', id: 7, message: 'boom' });
    expect(b.close).toHaveBeenCalled();
  });

  it('a model that cannot load is reported once, without a frame id', async () => {
    const posted: FromWorker[] = [];
    const handle = createWorkerHandler(() => Promise.reject(new Error('no backend')), (m) => posted.push(m));
    await handle({ type: 'init', backend: 'auto' });
    await flush();
    expect(posted).toEqual([{ type: 'error', id: null, message: 'no backend' }]);
  });
});

describe('ShieldClient over a fake worker running the real handler', () => {
  function fakeWorker(classifier: Classifier) {
    const sent: ToWorker[] = [];
    const w: WorkerLike & { sent: ToWorker[]; transfers: unknown[] } = {
      sent,
      transfers: [],
      onmessage: null,
      onerror: null,
      terminate: vi.fn(),
      postMessage(m, transfer) {
        sent.push(m);
        w.transfers.push(...(transfer ?? []));
        void handle(m);
      },
    };
    const handle = createWorkerHandler(async () => classifier, (m) => w.onmessage?.({ data: m } as MessageEvent));
    return w;
  }

  it('sends init, transfers frames and resolves each with its scores', async () => {
    const w = fakeWorker({ backend: 'wasm', classify: async () => scores({ Porn: 0.8, Neutral: 0.2 }) });
    const client = new ShieldClient(() => w, 'wasm');
    expect(w.sent[0]).toEqual({ type: 'init', backend: 'wasm' });
    const frame = bitmap();
    const r = await client.classify(frame);
    expect(r.scores.Porn).toBe(0.8);
    expect(w.transfers).toContain(frame);
    expect(client.backend).toBe('wasm');
    expect(frameVerdict(r.scores)).toEqual({ score: 0.8, verdict: 'nudity' });
  });

  it('fails pending and later frames once the model cannot load', async () => {
    const w: WorkerLike = { onmessage: null, onerror: null, terminate: vi.fn(), postMessage: vi.fn() };
    const client = new ShieldClient(() => w);
    const pending = client.classify(bitmap());
    w.onmessage?.({ data: { type: 'error', id: null, message: 'no model' } } as MessageEvent);
    await expect(pending).rejects.toThrow('no model');
    expect(client.failed).toBe(true);
    const later = bitmap();
    await expect(client.classify(later)).rejects.toThrow('no model');
    expect(later.close).toHaveBeenCalled();
    client.close();
    expect(w.terminate).toHaveBeenCalled();
  });
});
