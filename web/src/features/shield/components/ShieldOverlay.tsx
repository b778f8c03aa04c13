// What the shield shows over the stranger's video: a quiet note while it is
// still checking a new stranger, and the calm "Hidden by your safety shield"
// panel with Next, Report and a one-time, 18+-confirmed reveal. Markup only.
import { useEffect, useState } from 'react';
import { useI18n } from '../../../i18n/i18n-context';
import type { ShieldState } from '../shield-machine';

export function ShieldOverlay({
  state,
  onNext,
  onReport,
  onReveal,
}: {
  state: ShieldState;
  onNext: () => void;
  onReport: () => void;
  onReveal: () => void;
}) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const hidden = !state.revealed && (state.status === 'hidden' || state.status === 'unavailable');
  useEffect(() => {
    if (!hidden) setConfirming(false);
  }, [hidden]);

  if (state.revealed || state.status === 'off' || state.status === 'clear') return null;
  if (state.status === 'pending') {
    return (
      <p role="status" className="absolute bottom-3 left-3 z-10 rounded-full bg-black/60 px-3 py-1.5 text-xs font-medium text-zinc-200 ring-1 ring-white/10">
        {t.shieldChecking}
      </p>
    );
  }
  const button =
    'rounded-xl px-4 py-2.5 text-sm font-semibold focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300';
  return (
    <section aria-labelledby="shield-title" className="absolute inset-0 z-10 grid place-items-center bg-zinc-950/40 p-4">
      <div role="status" className="max-w-sm space-y-3 rounded-2xl bg-zinc-900/90 p-5 text-center shadow-xl ring-1 ring-white/10">
        <h2 id="shield-title" className="text-base font-semibold text-zinc-100">
          {state.status === 'hidden' ? t.shieldHiddenTitle : t.shield}
        </h2>
        <p className="text-sm text-zinc-300">{state.status === 'hidden' ? t.shieldHiddenText : t.shieldUnavailable}</p>
        <div className="flex flex-wrap justify-center gap-2 pt-1">
          <button type="button" onClick={onNext} className={button + ' bg-violet-600 text-white hover:bg-violet-700'}>
            {t.next}
          </button>
          {state.status === 'hidden' && (
            <button type="button" onClick={onReport} className={button + ' bg-rose-700 text-white hover:bg-rose-800'}>
              {t.report}
            </button>
          )}
        </div>
        {confirming ? (
          <div className="flex flex-wrap justify-center gap-2">
            <button type="button" onClick={onReveal} className={button + ' bg-zinc-700 text-zinc-100 hover:bg-zinc-600'}>
              {t.shieldConfirmAdult}
            </button>
            <button type="button" onClick={() => setConfirming(false)} className={button + ' text-zinc-300 hover:bg-white/10'}>
              {t.cancel}
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} className="text-sm text-zinc-400 underline underline-offset-4 hover:text-zinc-200 focus-visible:outline-2 focus-visible:outline-violet-300">
            {t.shieldReveal}
          </button>
        )}
      </div>
    </section>
  );
}
