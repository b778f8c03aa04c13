import { describe, expect, it } from 'vitest';
import { classifyMediaError, swapConstraints, type DevicesInUse, type MediaChoice, type MediaErrorKind } from './media';

describe('swapConstraints: devices chosen during a call', () => {
  const inUse: DevicesInUse = { camera: 'cam-1', microphone: 'mic-1' };
  it.each<[string, DevicesInUse, MediaChoice, MediaStreamConstraints | null]>([
    ['nothing chosen: nothing to swap', inUse, { cameraId: null, microphoneId: null }, null],
    ['the devices in use: nothing to swap', inUse, { cameraId: 'cam-1', microphoneId: 'mic-1' }, null],
    ['another camera: only the camera', inUse, { cameraId: 'cam-2', microphoneId: 'mic-1' }, { video: { deviceId: { exact: 'cam-2' } }, audio: false }],
    ['another microphone: only the microphone', inUse, { cameraId: null, microphoneId: 'mic-2' }, { video: false, audio: { deviceId: { exact: 'mic-2' } } }],
    ['both', inUse, { cameraId: 'cam-2', microphoneId: 'mic-2' }, { video: { deviceId: { exact: 'cam-2' } }, audio: { deviceId: { exact: 'mic-2' } } }],
    ['the browser does not say which camera: fetch the chosen one', { camera: null, microphone: 'mic-1' }, { cameraId: 'cam-1' }, { video: { deviceId: { exact: 'cam-1' } }, audio: false }],
  ])('%s', (_, current, choice, expected) => {
    expect(swapConstraints(current, choice)).toEqual(expected);
  });
});

describe('classifyMediaError', () => {
  it.each<[unknown, MediaErrorKind]>([
    [{ name: 'NotAllowedError' }, 'denied'],
    [{ name: 'SecurityError' }, 'denied'],
    [{ name: 'NotFoundError' }, 'not-found'],
    [{ name: 'OverconstrainedError' }, 'not-found'],
    [{ name: 'NotReadableError' }, 'in-use'],
    [{ name: 'AbortError' }, 'in-use'],
    [{ name: 'InsecureContextError' }, 'insecure'],
    [{ name: 'TypeError' }, 'unknown'],
    [null, 'unknown'],
  ])('%j -> %s', (error, kind) => {
    expect(classifyMediaError(error)).toBe(kind);
  });
});
