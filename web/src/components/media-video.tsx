// A <video> bound to a MediaStream. iOS needs playsInline; local previews are
// muted so they may autoplay. Unbinding on change or unmount clears the
// element, so the previous stranger's last frame never stays on screen.
import { useEffect, useRef, type VideoHTMLAttributes } from 'react';

export function MediaVideo({
  stream,
  muted = false,
  sinkId,
  onPlayBlocked,
  ...rest
}: {
  stream: MediaStream | null;
  muted?: boolean;
  sinkId?: string | null;
  onPlayBlocked?: () => void;
} & Omit<VideoHTMLAttributes<HTMLVideoElement>, 'src'>) {
  const ref = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = stream;
    if (stream) {
      el.play().catch((err: unknown) => {
        if ((err as { name?: string }).name === 'NotAllowedError') onPlayBlocked?.();
      });
    }
    return () => {
      el.srcObject = null;
    };
  }, [stream, onPlayBlocked]);

  useEffect(() => {
    const el = ref.current as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (el?.setSinkId && sinkId !== undefined) el.setSinkId(sinkId ?? '').catch(() => {});
  }, [sinkId]);

  return <video ref={ref} autoPlay playsInline muted={muted} {...rest} />;
}
