// The camera and microphone of a call, for use-call.ts: getting them, muting
// them, swapping in a device chosen in Settings during the call, and stopping
// every track when the call lets go of them or the page goes away.
import { useCallback, useEffect, useRef, useState } from 'react';
import { classifyMediaError, devicesInUse, getLocalMedia, stopStream, swapConstraints, type MediaErrorKind } from '../../lib/webrtc/media';

/** What acquire() got: the stream, a reason to show, or null when release() came first. */
export type Acquired = { ok: true } | { ok: false; error: MediaErrorKind } | null;

export interface UseLocalMediaOptions {
  cameraId: string | null;
  microphoneId: string | null;
  /** Puts a swapped-in track on the peer connection, if there is one. */
  onTrackSwapped: (track: MediaStreamTrack) => Promise<void>;
}

export function useLocalMedia({ cameraId, microphoneId, onTrackSwapped }: UseLocalMediaOptions) {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  const streamRef = useRef<MediaStream | null>(null);
  // Mic and camera switches outlive a stream: the next call starts as the last one ended.
  const enabledRef = useRef({ audio: true, video: true });
  // Bumped by acquire() and release(): a getUserMedia answer for an older attempt is dropped.
  const attemptRef = useRef(0);
  const latest = useRef({ cameraId, microphoneId, onTrackSwapped });
  latest.current = { cameraId, microphoneId, onTrackSwapped };

  const acquire = useCallback(async (): Promise<Acquired> => {
    const attempt = ++attemptRef.current;
    try {
      const { cameraId: cam, microphoneId: mic } = latest.current;
      const fresh = await getLocalMedia(navigator.mediaDevices, { cameraId: cam, microphoneId: mic });
      if (attempt !== attemptRef.current) {
        stopStream(fresh); // the user pressed Stop meanwhile
        return null;
      }
      fresh.getAudioTracks().forEach((t) => (t.enabled = enabledRef.current.audio));
      fresh.getVideoTracks().forEach((t) => (t.enabled = enabledRef.current.video));
      streamRef.current = fresh;
      setStream(fresh);
      return { ok: true };
    } catch (error) {
      return attempt === attemptRef.current ? { ok: false, error: classifyMediaError(error) } : null;
    }
  }, []);

  const release = useCallback(() => {
    attemptRef.current++;
    stopStream(streamRef.current);
    streamRef.current = null;
    setStream(null);
  }, []);

  const toggle = useCallback((kind: 'audio' | 'video') => {
    const on = (enabledRef.current[kind] = !enabledRef.current[kind]);
    const tracks = kind === 'audio' ? streamRef.current?.getAudioTracks() : streamRef.current?.getVideoTracks();
    tracks?.forEach((t) => (t.enabled = on));
    (kind === 'audio' ? setMicOn : setCameraOn)(on);
  }, []);
  const toggleMic = useCallback(() => toggle('audio'), [toggle]);
  const toggleCamera = useCallback(() => toggle('video'), [toggle]);

  /** Whether mic and camera are on (for the stranger's view of us). */
  const enabled = useCallback(() => ({ ...enabledRef.current }), []);
  /** The stream now, for a peer connection being opened. */
  const current = useCallback(() => streamRef.current, []);

  // Device changed in Settings during a call: swap the track in place.
  useEffect(() => {
    const live = streamRef.current;
    const constraints = live && swapConstraints(devicesInUse(live), { cameraId, microphoneId });
    if (!live || !constraints) return;
    let cancelled = false;
    navigator.mediaDevices
      .getUserMedia(constraints)
      .then(async (fresh) => {
        if (cancelled || streamRef.current !== live) return stopStream(fresh);
        for (const track of fresh.getTracks()) {
          const old = live.getTracks().find((t) => t.kind === track.kind);
          track.enabled = enabledRef.current[track.kind === 'audio' ? 'audio' : 'video'];
          if (old) {
            live.removeTrack(old);
            old.stop();
          }
          live.addTrack(track);
          await latest.current.onTrackSwapped(track);
        }
        setStream(new MediaStream(live.getTracks()));
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [cameraId, microphoneId]);

  // Leaving the page frees the camera.
  useEffect(() => () => stopStream(streamRef.current), []);

  return { stream, micOn, cameraOn, acquire, release, toggleMic, toggleCamera, enabled, current };
}
