import { useEffect, useState, type FormEvent } from 'react';
import { Modal } from '../../../components/modal';
import { useI18n } from '../../../i18n/i18n-context';
import { REPORT_REASONS, type ReportReason } from '../../../lib/signaling/messages';

export function ReportDialog({
  open,
  initialReason = '',
  onClose,
  onSubmit,
}: {
  open: boolean;
  /** The reason chosen when the dialog opens (the safety shield's Report picks nudity). */
  initialReason?: ReportReason | '';
  onClose: () => void;
  onSubmit: (reason: ReportReason, comment: string) => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState<ReportReason | ''>('');
  const [comment, setComment] = useState('');

  useEffect(() => {
    if (open) {
      setReason(initialReason);
      setComment('');
    }
  }, [open, initialReason]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason) onSubmit(reason, comment);
  };

  const field =
    'w-full rounded-xl bg-zinc-800 px-3 py-2.5 text-sm text-zinc-100 ring-1 ring-white/10 placeholder:text-zinc-500 focus:outline-2 focus:outline-violet-400';

  return (
    <Modal open={open} onClose={onClose} title={t.reportTitle} closeLabel={t.close}>
      <form onSubmit={submit} className="space-y-4">
        <p className="text-sm text-zinc-400">{t.reportText}</p>
        <div className="space-y-1.5">
          <label htmlFor="report-reason" className="text-sm font-medium">
            {t.reason}
          </label>
          <select
            id="report-reason"
            required
            value={reason}
            onChange={(e) => setReason(e.target.value as ReportReason)}
            className={field + ' appearance-none bg-[url("data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 viewBox=%270 0 24 24%27 fill=%27none%27 stroke=%27%23a1a1aa%27 stroke-width=%272%27%3E%3Cpath d=%27m6 9 6 6 6-6%27/%3E%3C/svg%3E")] bg-[length:1.1rem] bg-[right_0.75rem_center] bg-no-repeat pr-10'}
          >
            <option value="" disabled>
              —
            </option>
            {REPORT_REASONS.map((r) => (
              <option key={r} value={r}>
                {t.reasons[r]}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1.5">
          <label htmlFor="report-comment" className="text-sm font-medium">
            {t.comment} <span className="font-normal text-zinc-400">({t.commentOptional})</span>
          </label>
          <textarea
            id="report-comment"
            rows={3}
            maxLength={500}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder={t.commentPlaceholder}
            className={field + ' resize-none'}
          />
        </div>
        <div className="flex flex-col-reverse gap-2 pt-1 sm:flex-row sm:justify-end">
          <button
            type="button"
            onClick={onClose}
            className="rounded-xl px-4 py-2.5 text-sm font-medium text-zinc-300 hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-violet-400"
          >
            {t.cancel}
          </button>
          <button
            type="submit"
            disabled={!reason}
            className="rounded-xl bg-rose-700 px-4 py-2.5 text-sm font-semibold text-white hover:bg-rose-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-rose-300 disabled:bg-zinc-700 disabled:text-zinc-400"
          >
            {t.sendReport}
          </button>
        </div>
      </form>
    </Modal>
  );
}
