// Explains why we are back on the landing page: camera trouble, a ban, an error.
import { AlertIcon } from '../components/icons';
import { useI18n } from '../i18n/i18n-context';
import type { Notice } from '../features/call/call-machine';

export function NoticeBox({ notice, onTextOnly, onRetry }: { notice: Notice; onTextOnly: () => void; onRetry: () => void }) {
  const { t } = useI18n();
  let text: string;
  let actions = false;
  if (notice.kind === 'media-error') {
    text = { denied: t.mediaDenied, 'not-found': t.mediaNotFound, 'in-use': t.mediaInUse, insecure: t.mediaInsecure, unknown: t.mediaUnknown }[notice.error];
    actions = true;
  } else if (notice.kind === 'banned') {
    const until = notice.until ? new Date(notice.until).toLocaleString() : null;
    text = t.banned(until) + (notice.appealable ? ' ' + t.bannedAppeal : '');
  } else {
    text = notice.code === 'rate_limited' ? t.rateLimited : t.serverError(notice.code);
  }
  return (
    <div role="alert" className="space-y-3 rounded-2xl bg-rose-500/10 p-4 text-sm text-rose-100 ring-1 ring-rose-400/30">
      <p className="flex gap-2">
        <AlertIcon className="mt-0.5 h-4 w-4 shrink-0 text-rose-300" />
        {text}
      </p>
      {actions && (
        <div className="flex flex-wrap gap-2 pl-6">
          <button type="button" onClick={onTextOnly} className="rounded-lg bg-white/10 px-3 py-1.5 font-medium hover:bg-white/15">
            {t.useTextOnly}
          </button>
          <button type="button" onClick={onRetry} className="rounded-lg px-3 py-1.5 font-medium text-rose-200 hover:bg-white/10">
            {t.tryAgain}
          </button>
        </div>
      )}
    </div>
  );
}
