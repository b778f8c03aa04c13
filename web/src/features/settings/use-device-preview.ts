// Devices and a live preview for the Settings dialog. Reuses the call's
// camera stream when there is one; otherwise opens its own (on request) and
// closes it with the dialog.
import { useCallback, useEffect, useRef, useState } from 'react';
import { getLocalMedia, listDevices, stopStream, type DeviceLists } from '../../lib/webrtc/media';

const empty: DeviceLists = { cameras: [], microphones: [], speakers: [] };

export function useDevicePreview(open: boolean, callStream: MediaStream | null, cameraId: string | null, microphoneId: string | null) {
  const [devices, setDevices] = useState<DeviceLists>(empty);
  const [ownStream, setOwnStream] = useState<MediaStream | null>(null);
  const [wanted, setWanted] = useState(false);
  const [error, setError] = useState(false);
  const [level, setLevel] = useState(0);
  const ownRef = useRef<MediaStream | null>(null);

  const refresh = useCallback(() => {
    listDevices(navigator.mediaDevices).then(setDevices, () => setDevices(empty));
  }, []);

  useEffect(() => {
    if (!open) return;
    refresh();
    const md = navigator.mediaDevices;
    md?.addEventListener?.('devicechange', refresh);
    return () => md?.removeEventListener?.('devicechange', refresh);
  }, [open, refresh]);

  // Our own preview stream follows the chosen devices.
  useEffect(() => {
    if (!open || callStream || !wanted) return;
    let cancelled = false;
    getLocalMedia(navigator.mediaDevices, { cameraId, microphoneId }).then(
      (s) => {
        if (cancelled) return stopStream(s);
        stopStream(ownRef.current);
        ownRef.current = s;
        setOwnStream(s);
        setError(false);
        refresh(); // labels appear once permission is granted
      },
      () => !cancelled && setError(true),
    );
    return () => {
      cancelled = true;
    };
  }, [open, callStream, wanted, cameraId, microphoneId, refresh]);

  useEffect(() => {
    if (open) return;
    stopStream(ownRef.current);
    ownRef.current = null;
    setOwnStream(null);
    setWanted(false);
  }, [open]);

  useEffect(() => () => stopStream(ownRef.current), []);

  const stream = callStream ?? ownStream;

  // Microphone level meter.
  useEffect(() => {
    const track = stream?.getAudioTracks()[0];
    if (!open || !track || typeof AudioContext === 'undefined') return;
    const ctx = new AudioContext();
    const source = ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    let raf = 0;
    const tick = () => {
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
      setLevel(Math.min(100, Math.round((peak / 128) * 140)));
      raf = requestAnimationFrame(tick);
    };
    tick();
    return () => {
      cancelAnimationFrame(raf);
      source.disconnect();
      void ctx.close();
    };
  }, [open, stream]);

  return { devices, stream, level, error, requestPreview: () => setWanted(true) };
}
