// What fills the stage when there is no stranger's video to show.
import { formatDuration } from '../../../i18n';
import { useI18n } from '../../../i18n/i18n-context';
import { AlertIcon, NextIcon } from '../../../components/icons';
import { useNow } from '../../../components/use-now';
import type { CallState } from '../call-machine';
import { endedText } from '../status-text';

export function SearchingOverlay({ state }: { state: Extract<CallState, { status: 'searching' | 'acquiring-media' | 'connecting' }> }) {
  const { t } = useI18n();
  const now = useNow(state.status === 'searching');
  return (
    <div className="absolute inset-0 grid place-items-center bg-zinc-950">
      <div className="flex flex-col items-center gap-6 text-center">
        <div aria-hidden="true" className="relative grid h-32 w-32 place-items-center">
          <span className="absolute inset-0 animate-ping rounded-full bg-violet-500/20 [animation-duration:2s]" />
          <span className="absolute inset-4 animate-ping rounded-full bg-fuchsia-500/20 [animation-delay:0.6s] [animation-duration:2s]" />
          <span className="relative h-16 w-16 rounded-full bg-gradient-to-br from-violet-500 to-fuchsia-500 shadow-lg shadow-violet-900/50" />
        </div>
        {state.status === 'searching' && (
          <div className="space-y-1 text-sm text-zinc-400">
            <p className="tabular-nums text-zinc-200">{t.elapsed(formatDuration(now - state.since))}</p>
            {state.estimatedWaitMs !== null && state.estimatedWaitMs >= 1000 && <p>{t.estimate(formatDuration(state.estimatedWaitMs))}</p>}
          </div>
        )}
      </div>
    </div>
  );
}

export function EndedOverlay({ state, onNext }: { state: Extract<CallState, { status: 'ended' }>; onNext: () => void }) {
  const { t } = useI18n();
  const failed = state.reason === 'ice-failed' || state.reason === 'connection-lost';
  return (
    <div className="absolute inset-0 grid place-items-center bg-zinc-950/95 p-6">
      <div className="flex max-w-md flex-col items-center gap-5 text-center">
        {failed ? (
          <AlertIcon className="h-10 w-10 text-rose-400" />
        ) : (
          <span aria-hidden="true" className="font-emoji text-5xl">
            👋
          </span>
        )}
        <p className="text-base leading-relaxed text-zinc-200">{endedText(state, t)}</p>
        <button
          type="button"
          onClick={onNext}
          className="inline-flex items-center gap-2 rounded-full bg-white px-5 py-2.5 text-sm font-semibold text-zinc-900 hover:bg-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300"
        >
          <NextIcon className="h-4 w-4" />
          {t.findNext}
        </button>
      </div>
    </div>
  );
}
