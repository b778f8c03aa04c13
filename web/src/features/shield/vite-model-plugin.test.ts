import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractModel, modelModule } from './vite-model-plugin';

const cache = mkdtempSync(join(tmpdir(), 'shield-model-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

const packageDir = dirname(dirname(dirname(createRequire(import.meta.url).resolve('nsfwjs'))));
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
type Spec = { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } };

describe('the shield model as one binary asset', () => {
  const m = extractModel(packageDir, cache);

  it('holds exactly the bytes the weight specs describe, in their order', () => {
    const specs = m.weightSpecs as Spec[];
    expect(specs.length).toBeGreaterThan(100); // MobileNetV2's layers
    // Stored quantized (one byte per weight): the size is the specs' element counts times their stored width.
    const width = (w: Spec) => BYTES[w.quantization?.dtype ?? w.dtype] ?? Number.NaN;
    const expected = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * width(w), 0);
    expect(statSync(m.binPath).size).toBe(expected);
    // The bytes are the decoded weights, not the base64 text: its alphabet would be all they hold.
    const head = readFileSync(m.binPath).subarray(0, 4096);
    expect(new Set(head).size).toBeGreaterThan(100);
    expect(head.some((b) => b > 0x7a)).toBe(true);
  });

  it('is written once per content (a second build reuses the file)', () => {
    const again = extractModel(packageDir, cache);
    expect(again.binPath).toBe(m.binPath);
    expect(m.binPath).toMatch(/[0-9a-f]{16}\/mobilenet-v2\.bin$/);
  });

  it('is a module with the weights URL (via ?url), the topology and the specs', () => {
    const src = modelModule(m);
    expect(src).toContain(`import weightsUrl from ${JSON.stringify(m.binPath + '?url')};`);
    expect(src).toContain('export { weightsUrl };');
    const topology = /export const modelTopology = (.*);/.exec(src)?.[1];
    expect(JSON.parse(topology!)).toEqual(m.modelTopology);
    expect((m.modelTopology as { model_config?: { class_name?: string } }).model_config?.class_name).toBe('Model');
  });
});
