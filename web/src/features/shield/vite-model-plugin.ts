// The shield's model as the worker loads it: `virtual:shield-model` gives the
// MobileNetV2 topology and weight specs that nsfwjs ships, and the URL of its
// weights as one binary asset (assets/shield-mobilenet-v2-[hash].bin).
//
// nsfwjs packs the 2.6 MB of weights as a base64 string inside a 3.5 MB
// JavaScript module: the worker would fetch and parse that module, then decode
// the string byte by byte, about half a second of a phone's CPU before the
// first frame can be classified. Decoded once here at build time, the worker
// fetches the bytes as they are (from the service worker's cache after the
// first visit) and hands them to TensorFlow.js.
//
// The decoded file is written beside the package (node_modules/.cache), keyed
// by the shard's hash, and imported with `?url` so Vite names, hashes and
// serves it like any other asset, in the build and in the dev server.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

const ID = 'virtual:shield-model';
const RESOLVED = '\0' + ID;

interface LayersModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
}

/** nsfwjs's package folder (its `exports` map hides package.json and the model files from `require`). */
function nsfwjsRoot(fromDir: string): string {
  const entry = createRequire(join(fromDir, 'package.json')).resolve('nsfwjs'); // .../nsfwjs/dist/cjs/index.js
  return dirname(dirname(dirname(entry)));
}

/**
 * Reads the MobileNetV2 model nsfwjs ships (UMD modules: the topology object
 * and one base64 weight shard per manifest path) and writes the weights as one
 * binary file under `cacheDir`. Returns what the virtual module exports.
 */
export function extractModel(packageDir: string, cacheDir: string): { binPath: string; modelTopology: unknown; weightSpecs: unknown[] } {
  const load = createRequire(join(packageDir, 'package.json'));
  const modelDir = join(packageDir, 'dist/models/mobilenet_v2');
  const model = load(join(modelDir, 'model.min.js')) as LayersModelJson;
  if (!model?.modelTopology || !Array.isArray(model.weightsManifest)) throw new Error('shield model: nsfwjs MobileNetV2 topology not found');
  const parts: Buffer[] = [];
  const weightSpecs: unknown[] = [];
  for (const group of model.weightsManifest) {
    for (const path of group.paths) {
      const shard = load(join(modelDir, `${path}.min.js`)) as unknown;
      if (typeof shard !== 'string' || shard.length === 0) throw new Error(`shield model: weight shard ${path} is not a base64 string`);
      parts.push(Buffer.from(shard, 'base64'));
    }
    weightSpecs.push(...group.weights);
  }
  const bytes = Buffer.concat(parts);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = join(cacheDir, hash);
  mkdirSync(dir, { recursive: true });
  const binPath = join(dir, 'mobilenet-v2.bin');
  if (!existsSync(binPath) || readFileSync(binPath).length !== bytes.length) writeFileSync(binPath, bytes);
  return { binPath, modelTopology: model.modelTopology, weightSpecs };
}

/** The virtual module's source. */
export function modelModule(m: { binPath: string; modelTopology: unknown; weightSpecs: unknown[] }): string {
  return [
    `import weightsUrl from ${JSON.stringify(m.binPath + '?url')};`,
    'export { weightsUrl };',
    `export const modelTopology = ${JSON.stringify(m.modelTopology)};`,
    `export const weightSpecs = ${JSON.stringify(m.weightSpecs)};`,
  ].join('\n');
}

export function shieldModel(): Plugin {
  let source: string | null = null;
  let root = process.cwd();
  return {
    name: 'serendip-shield-model',
    configResolved(config) {
      root = config.root;
    },
    resolveId(id) {
      return id === ID ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      source ??= modelModule(extractModel(nsfwjsRoot(root), join(root, 'node_modules/.cache/serendip-shield')));
      return source;
    },
  };
}
