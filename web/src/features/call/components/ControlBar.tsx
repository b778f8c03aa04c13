import type { ReactNode } from 'react';
import { FlagIcon, MicIcon, MicOffIcon, NextIcon, StopIcon, VideoIcon, VideoOffIcon } from '../../../components/icons';
import { Kbd, Tooltip } from '../../../components/tooltip';
import { useI18n } from '../../../i18n/i18n-context';
import { SHORTCUT_KEYS } from '../use-shortcuts';

const round =
  'grid h-11 w-11 place-items-center sm:h-12 sm:w-12 rounded-full transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300 disabled:opacity-40';

export function ControlBar({
  video,
  micOn,
  cameraOn,
  onToggleMic,
  onToggleCamera,
  onNext,
  onStop,
  onReport,
  canNext,
  canReport,
  extra,
}: {
  video: boolean;
  micOn: boolean;
  cameraOn: boolean;
  onToggleMic: () => void;
  onToggleCamera: () => void;
  onNext: () => void;
  onStop: () => void;
  onReport: () => void;
  canNext: boolean;
  canReport: boolean;
  extra?: ReactNode;
}) {
  const { t } = useI18n();
  const tip = (label: string, key?: string) => (
    <>
      {label}
      {key && <Kbd>{key}</Kbd>}
    </>
  );
  return (
    <div role="toolbar" aria-label={t.controls} className="flex flex-wrap items-center justify-center gap-2 sm:gap-3">
      {video && (
        <>
          <Tooltip label={tip(micOn ? t.muteMic : t.unmuteMic, SHORTCUT_KEYS.mic)}>
            <button
              type="button"
              onClick={onToggleMic}
              aria-label={micOn ? t.muteMic : t.unmuteMic}
              aria-keyshortcuts="M"
              className={round + (micOn ? ' bg-zinc-800 text-zinc-100 hover:bg-zinc-700' : ' bg-rose-500 text-white hover:bg-rose-400')}
            >
              {micOn ? <MicIcon className="h-5 w-5" /> : <MicOffIcon className="h-5 w-5" />}
            </button>
          </Tooltip>
          <Tooltip label={tip(cameraOn ? t.cameraOff : t.cameraOn, SHORTCUT_KEYS.camera)}>
            <button
              type="button"
              onClick={onToggleCamera}
              aria-label={cameraOn ? t.cameraOff : t.cameraOn}
              aria-keyshortcuts="V"
              className={round + (cameraOn ? ' bg-zinc-800 text-zinc-100 hover:bg-zinc-700' : ' bg-rose-500 text-white hover:bg-rose-400')}
            >
              {cameraOn ? <VideoIcon className="h-5 w-5" /> : <VideoOffIcon className="h-5 w-5" />}
            </button>
          </Tooltip>
        </>
      )}
      <Tooltip label={tip(t.next, SHORTCUT_KEYS.next)}>
        <button
          type="button"
          onClick={onNext}
          disabled={!canNext}
          aria-keyshortcuts="Escape"
          className="inline-flex h-11 items-center gap-2 rounded-full bg-gradient-to-r from-violet-600 to-fuchsia-700 px-5 sm:h-12 text-base font-semibold text-white shadow-lg shadow-violet-900/40 transition hover:brightness-110 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300 disabled:opacity-40 sm:px-8"
        >
          <NextIcon className="h-5 w-5" />
          {t.next}
        </button>
      </Tooltip>
      <Tooltip label={tip(t.stop)}>
        <button type="button" onClick={onStop} className={round + ' bg-zinc-800 text-zinc-100 hover:bg-zinc-700'} aria-label={t.stop}>
          <StopIcon className="h-5 w-5" />
        </button>
      </Tooltip>
      <Tooltip label={tip(t.report)}>
        <button
          type="button"
          onClick={onReport}
          disabled={!canReport}
          aria-label={t.report}
          className={round + ' bg-zinc-800 text-rose-300 hover:bg-rose-500/20'}
        >
          <FlagIcon className="h-5 w-5" />
        </button>
      </Tooltip>
      {extra}
    </div>
  );
}
