// The call screen's layout. Markup only: the chat, the reactions and the
// header come in as slots from app/, where the features meet.
import type { ReactNode } from 'react';
import { useI18n } from '../../../i18n/i18n-context';
import type { CallApi } from '../use-call';
import { ControlBar } from './ControlBar';
import { PeerBadges } from './PeerBadges';
import { EndedOverlay, SearchingOverlay } from './StageOverlay';
import { VideoStage } from './VideoStage';

export function CallScreen({
  call,
  header,
  chat,
  reactionLayer,
  reactionBar,
  blurRemote,
  shieldHidden,
  shieldLayer,
  speakerId,
  onReport,
}: {
  call: CallApi;
  header: ReactNode;
  chat: ReactNode;
  reactionLayer: ReactNode;
  reactionBar: ReactNode;
  blurRemote: boolean;
  shieldHidden?: boolean;
  shieldLayer?: ReactNode;
  speakerId: string | null;
  onReport: () => void;
}) {
  const { t } = useI18n();
  const { state } = call;
  const video = state.status !== 'idle' && state.mode === 'video';
  const canReport = state.status === 'connecting' || state.status === 'in-call' || state.status === 'ended';
  const canNext = state.status === 'connecting' || state.status === 'in-call' || state.status === 'ended';

  return (
    <div className="flex h-dvh flex-col">
      {header}
      <main className="flex min-h-0 flex-1 flex-col gap-3 px-3 pb-2 lg:flex-row">
        {video ? (
          <>
            {/* The screen's one heading, for screen readers: the stage and the chat say the rest. */}
            <h1 className="sr-only">{t.videoModeTitle}</h1>
            <VideoStage
              state={state}
              remoteStream={call.remoteStream}
              localStream={call.localStream}
              remoteMedia={call.remoteMedia}
              micOn={call.micOn}
              cameraOn={call.cameraOn}
              blurRemote={blurRemote}
              shieldHidden={shieldHidden}
              shieldLayer={shieldLayer}
              speakerId={speakerId}
              overlay={reactionLayer}
              onNext={call.next}
              className="min-h-[12rem] flex-[3] lg:flex-1"
            />
            <aside className="flex min-h-0 flex-[2] flex-col lg:w-[22rem] lg:flex-none">{chat}</aside>
          </>
        ) : (
          <div className="relative mx-auto flex min-h-0 w-full max-w-2xl flex-1 flex-col gap-3">
            <div className="flex min-h-8 flex-wrap items-center gap-2">
              <h1 className="mr-auto text-lg font-semibold text-zinc-100">{t.textModeTitle}</h1>
              {(state.status === 'connecting' || state.status === 'in-call') && <PeerBadges peer={state.peer} />}
            </div>
            <div className="relative flex min-h-0 flex-1 flex-col">
              {chat}
              {reactionLayer}
              {(state.status === 'searching' || state.status === 'connecting') && (
                <div className="absolute inset-0 overflow-hidden rounded-2xl">
                  <SearchingOverlay state={state} />
                </div>
              )}
              {state.status === 'ended' && (
                <div className="absolute inset-0 overflow-hidden rounded-2xl">
                  <EndedOverlay state={state} onNext={call.next} />
                </div>
              )}
            </div>
          </div>
        )}
      </main>
      <footer className="flex flex-col items-center gap-2 px-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] pt-1 sm:flex-row sm:justify-center sm:gap-4">
        {reactionBar}
        <ControlBar
          video={video}
          micOn={call.micOn}
          cameraOn={call.cameraOn}
          onToggleMic={call.toggleMic}
          onToggleCamera={call.toggleCamera}
          onNext={call.next}
          onStop={call.stop}
          onReport={onReport}
          canNext={canNext}
          canReport={canReport}
        />
      </footer>
    </div>
  );
}
