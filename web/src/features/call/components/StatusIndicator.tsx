import { formatDuration } from '../../../i18n';
import { useI18n } from '../../../i18n/i18n-context';
import { useNow } from '../../../components/use-now';
import type { CallState } from '../call-machine';
import { statusOf, type Tone } from '../status-text';

const dot: Record<Tone, string> = {
  neutral: 'bg-zinc-400',
  busy: 'bg-amber-400 animate-pulse',
  ok: 'bg-emerald-400',
  warn: 'bg-amber-400 animate-pulse',
  bad: 'bg-rose-500',
};

/** The always-visible connection state: a live region plus a non-announced timer. */
export function StatusIndicator({ state }: { state: CallState }) {
  const { t } = useI18n();
  const { text, tone } = statusOf(state, t);
  const ticking = state.status === 'searching' || state.status === 'in-call' || state.status === 'connecting';
  const now = useNow(ticking);
  let timer: string | null = null;
  if (state.status === 'searching') timer = formatDuration(now - state.since);
  else if (state.status === 'in-call') timer = formatDuration(now - state.connectedAt);
  return (
    <div className="flex min-w-0 items-center gap-2 rounded-full bg-zinc-900/80 py-1.5 pl-3 pr-3 text-sm ring-1 ring-white/10">
      <span aria-hidden="true" className={'h-2 w-2 shrink-0 rounded-full ' + dot[tone]} />
      <span role="status" aria-live="polite" aria-atomic="true" className="truncate font-medium text-zinc-100">
        {text}
      </span>
      {timer && <span className="shrink-0 tabular-nums text-zinc-400">{timer}</span>}
    </div>
  );
}
