// The module vite-model-plugin.ts generates from nsfwjs's MobileNetV2 model.
declare module 'virtual:shield-model' {
  import type { io } from '@tensorflow/tfjs';
  /** The model's weights, one binary asset of our origin. */
  export const weightsUrl: string;
  export const modelTopology: object;
  export const weightSpecs: io.WeightsManifestEntry[];
}
