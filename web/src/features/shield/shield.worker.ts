/// <reference lib="webworker" />
// The shield's Web Worker: nsfwjs's MobileNetV2 on TensorFlow.js, all from our
// own origin (the model ships inside the nsfwjs package; its weights become a
// binary asset of this worker, vite-model-plugin.ts, and the WASM binaries are
// assets beside them). Loaded when the call app starts with the shield on,
// never by the landing page.
//
// Backend: WebGL where an OffscreenCanvas gives a GPU-backed WebGL context, else WASM
// (SIMD when available; the threaded build needs cross-origin isolation, which
// the app does not have), else the plain CPU backend.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import { NSFWJS } from 'nsfwjs/core';
import { modelTopology, weightSpecs, weightsUrl } from 'virtual:shield-model';
import { createWorkerHandler, toClassScores, type Backend, type BackendChoice, type Classifier, type ToWorker } from './worker-protocol';

declare const self: DedicatedWorkerGlobalScope;

const INPUT_SIZE = 224; // MobileNetV2's input

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmSimd });

/**
 * A WebGL that runs on a GPU. Software renderers (SwiftShader, llvmpipe: what
 * Chromium falls back to without a GPU, and what headless test browsers get)
 * compile the model's shaders for tens of seconds and run a frame slower than
 * the WASM backend does, so they count as no WebGL.
 */
function hasGpuWebGl(): boolean {
  try {
    if (typeof OffscreenCanvas === 'undefined') return false;
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    return false;
  }
}

async function pickBackend(choice: BackendChoice): Promise<Backend> {
  const order: Backend[] = choice === 'auto' ? (hasGpuWebGl() ? ['webgl', 'wasm', 'cpu'] : ['wasm', 'cpu']) : [choice, 'cpu'];
  for (const b of order) {
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
        return b;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no TensorFlow.js backend works here');
}

async function loadClassifier(choice: BackendChoice): Promise<Classifier> {
  tf.enableProdMode();
  // The weights download (or come from the service worker's cache) while the backend starts.
  const weightData = fetch(weightsUrl).then((r) => {
    if (!r.ok) throw new Error(`the shield's model could not load (HTTP ${r.status})`);
    return r.arrayBuffer();
  });
  weightData.catch(() => undefined);
  const backend = await pickBackend(choice);
  const model = new NSFWJS(tf.io.fromMemory({ modelTopology, weightSpecs, weightData: await weightData }), { size: INPUT_SIZE });
  await model.load(); // builds the layers and runs one warm-up prediction
  return {
    backend,
    classify: async (frame) => {
      const pixels = tf.browser.fromPixels(frame);
      try {
        return toClassScores(await model.classify(pixels as tf.Tensor3D, 5));
      } finally {
        pixels.dispose();
      }
    },
  };
}

const handle = createWorkerHandler(loadClassifier, (m) => self.postMessage(m));
self.onmessage = (e: MessageEvent<ToWorker>) => void handle(e.data);
