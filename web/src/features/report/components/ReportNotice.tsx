// The outcome of the last report, announced politely and dismissable.
import { CheckIcon, AlertIcon, CloseIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import type { ReportStatus } from '../use-report';

export function ReportNotice({ status, onDismiss }: { status: ReportStatus; onDismiss: () => void }) {
  const { t } = useI18n();
  const text =
    status.state === 'sending'
      ? t.reportSending
      : status.state === 'acked'
        ? t.reportThanks
        : status.state === 'failed'
          ? t.reportFailed(status.code)
          : '';
  return (
    <div aria-live="polite" aria-atomic="true" className="pointer-events-none fixed inset-x-0 top-16 z-40 flex justify-center px-4">
      {text && (
        <div
          className={
            'pointer-events-auto flex max-w-md items-center gap-3 rounded-2xl px-4 py-3 text-sm shadow-xl ring-1 ' +
            (status.state === 'failed' ? 'bg-rose-950 text-rose-100 ring-rose-500/30' : 'bg-zinc-800 text-zinc-100 ring-white/10')
          }
        >
          {status.state === 'failed' ? (
            <AlertIcon className="h-5 w-5 shrink-0 text-rose-300" />
          ) : (
            <CheckIcon className="h-5 w-5 shrink-0 text-emerald-400" />
          )}
          <p>{text}</p>
          {status.state !== 'sending' && (
            <button type="button" onClick={onDismiss} aria-label={t.dismiss} className="rounded-full p-1 hover:bg-white/10">
              <CloseIcon className="h-4 w-4" />
            </button>
          )}
        </div>
      )}
    </div>
  );
}
