import { useEffect, useState, type ReactNode } from 'react';
import { EyeIcon, MicOffIcon, VideoOffIcon } from '../../../components/icons';
import { MediaVideo } from '../../../components/media-video';
import { useI18n } from '../../../i18n/i18n-context';
import type { CallState } from '../call-machine';
import type { RemoteMedia } from '../use-call';
import { PeerBadges } from './PeerBadges';
import { EndedOverlay, SearchingOverlay } from './StageOverlay';

export function VideoStage({
  state,
  remoteStream,
  localStream,
  remoteMedia,
  micOn,
  cameraOn,
  blurRemote,
  shieldHidden = false,
  shieldLayer,
  speakerId,
  overlay,
  onNext,
  className = '',
}: {
  state: CallState;
  remoteStream: MediaStream | null;
  localStream: MediaStream | null;
  remoteMedia: RemoteMedia;
  micOn: boolean;
  cameraOn: boolean;
  blurRemote: boolean;
  /** The safety shield hides the stranger's video now (app/ binds features/shield). */
  shieldHidden?: boolean;
  /** The shield's own overlay, drawn over the stranger's video. */
  shieldLayer?: ReactNode;
  speakerId: string | null;
  overlay?: ReactNode;
  onNext: () => void;
  className?: string;
}) {
  const { t } = useI18n();
  const sessionId = state.status === 'connecting' || state.status === 'in-call' || state.status === 'ended' ? state.sessionId : null;
  const live = state.status === 'connecting' || state.status === 'in-call';
  const [revealed, setRevealed] = useState<string | null>(null);
  useEffect(() => setRevealed(null), [sessionId]);
  const userBlur = blurRemote && revealed !== sessionId;
  const blurred = userBlur || shieldHidden;

  return (
    <div className={'relative overflow-hidden rounded-3xl bg-zinc-950 ring-1 ring-white/10 ' + className}>
      <section aria-label={t.strangerVideo} className="absolute inset-0">
      {live && remoteStream && (
        // keyed by session: a new stranger always gets a fresh, empty element
        <MediaVideo
          key={sessionId}
          stream={remoteStream}
          sinkId={speakerId}
          aria-label={t.strangerVideo}
          className={'absolute inset-0 h-full w-full object-cover transition-[filter] duration-300 ' + (blurred ? 'scale-110 blur-3xl' : '')}
        />
      )}
      {live && state.status === 'in-call' && !remoteMedia.video && (
        <div className="absolute inset-0 grid place-items-center bg-zinc-900">
          <div className="flex flex-col items-center gap-3 text-zinc-400">
            <VideoOffIcon className="h-10 w-10" />
            <p className="text-sm">{t.strangerCameraOff}</p>
          </div>
        </div>
      )}
      {(state.status === 'searching' || state.status === 'acquiring-media' || (state.status === 'connecting' && !remoteStream)) && (
        <SearchingOverlay state={state} />
      )}
      {state.status === 'ended' && <EndedOverlay state={state} onNext={onNext} />}

      {live && remoteStream && shieldLayer}
      {live && userBlur && !shieldHidden && remoteStream && (
        <div className="absolute inset-0 z-10 grid place-items-center">
          <button
            type="button"
            onClick={() => setRevealed(sessionId)}
            className="inline-flex items-center gap-2 rounded-full bg-black/60 px-5 py-3 text-sm font-semibold text-white ring-1 ring-white/20 backdrop-blur hover:bg-black/70 focus-visible:outline-2 focus-visible:outline-violet-300"
          >
            <EyeIcon className="h-4 w-4" />
            {t.revealVideo}
          </button>
        </div>
      )}

      {live && (
        <div className="absolute left-3 right-3 top-3 z-10 flex flex-wrap items-start gap-2">
          <PeerBadges peer={state.peer} />
          {state.status === 'in-call' && !remoteMedia.audio && (
            <p className="inline-flex items-center gap-1.5 rounded-full bg-rose-500/85 px-2.5 py-1 text-xs font-medium text-white">
              <MicOffIcon className="h-3.5 w-3.5" />
              {t.strangerMuted}
            </p>
          )}
        </div>
      )}

      {overlay}
      </section>

      {localStream && (
        <div className="absolute bottom-3 right-3 z-20 aspect-[3/4] w-24 overflow-hidden rounded-2xl bg-zinc-800 shadow-xl ring-2 ring-black/40 sm:aspect-video sm:w-48 lg:w-56">
          <MediaVideo stream={localStream} muted aria-label={t.yourVideo} className={'h-full w-full -scale-x-100 object-cover ' + (cameraOn ? '' : 'invisible')} />
          {!cameraOn && (
            <div className="absolute inset-0 grid place-items-center text-zinc-400" title={t.cameraIsOff}>
              <VideoOffIcon className="h-6 w-6" />
              <span className="sr-only">{t.cameraIsOff}</span>
            </div>
          )}
          {!micOn && (
            <span className="absolute bottom-1.5 left-1.5 grid h-6 w-6 place-items-center rounded-full bg-rose-500 text-white" title={t.youAreMuted}>
              <MicOffIcon className="h-3.5 w-3.5" />
              <span className="sr-only">{t.youAreMuted}</span>
            </span>
          )}
        </div>
      )}
    </div>
  );
}
