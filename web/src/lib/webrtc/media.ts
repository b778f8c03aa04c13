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
