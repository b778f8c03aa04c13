// Camera and microphone: getting them, explaining why not, listing devices.

export type MediaErrorKind = 'denied' | 'not-found' | 'in-use' | 'insecure' | 'unknown';

export interface MediaChoice {
  cameraId?: string | null;
  microphoneId?: string | null;
}

export function mediaConstraints(choice: MediaChoice): MediaStreamConstraints {
  return {
    audio: {
      ...(choice.microphoneId ? { deviceId: { exact: choice.microphoneId } } : {}),
      echoCancellation: true,
      noiseSuppression: true,
    },
    video: {
      ...(choice.cameraId ? { deviceId: { exact: choice.cameraId } } : { facingMode: 'user' }),
      width: { ideal: 1280 },
      height: { ideal: 720 },
      frameRate: { ideal: 30, max: 30 },
    },
  };
}

/** Maps a getUserMedia failure to what we tell the user. */
export function classifyMediaError(error: unknown): MediaErrorKind {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'not-found';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    case 'InsecureContextError':
      return 'insecure';
    default:
      return 'unknown';
  }
}

export async function getLocalMedia(devices: MediaDevices | undefined, choice: MediaChoice): Promise<MediaStream> {
  if (!devices?.getUserMedia) {
    throw Object.assign(new Error('media devices need a secure context (https)'), { name: 'InsecureContextError' });
  }
  try {
    return await devices.getUserMedia(mediaConstraints(choice));
  } catch (error) {
    // A remembered device that is gone: fall back to the default one.
    if ((choice.cameraId || choice.microphoneId) && classifyMediaError(error) === 'not-found') {
      return devices.getUserMedia(mediaConstraints({}));
    }
    throw error;
  }
}

/** The devices a stream's tracks come from (null: no such track, or the browser does not say). */
export interface DevicesInUse {
  camera: string | null;
  microphone: string | null;
}

export function devicesInUse(stream: MediaStream): DevicesInUse {
  return {
    camera: stream.getVideoTracks()[0]?.getSettings().deviceId ?? null,
    microphone: stream.getAudioTracks()[0]?.getSettings().deviceId ?? null,
  };
}

/**
 * The constraints that fetch the devices chosen in Settings that a running call does not use
 * yet (only those: the other track stays), or null when there is nothing to swap.
 */
export function swapConstraints(inUse: DevicesInUse, choice: MediaChoice): MediaStreamConstraints | null {
  const camera = choice.cameraId && choice.cameraId !== inUse.camera ? choice.cameraId : null;
  const microphone = choice.microphoneId && choice.microphoneId !== inUse.microphone ? choice.microphoneId : null;
  if (!camera && !microphone) return null;
  return {
    video: camera ? { deviceId: { exact: camera } } : false,
    audio: microphone ? { deviceId: { exact: microphone } } : false,
  };
}

export function stopStream(stream: MediaStream | null | undefined): void {
  stream?.getTracks().forEach((t) => t.stop());
}

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export async function listDevices(devices: MediaDevices | undefined): Promise<DeviceLists> {
  const all = devices?.enumerateDevices ? await devices.enumerateDevices() : [];
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
    speakers: all.filter((d) => d.kind === 'audiooutput'),
  };
}

/** Chrome and Firefox can route audio to a chosen speaker; Safari cannot. */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}
