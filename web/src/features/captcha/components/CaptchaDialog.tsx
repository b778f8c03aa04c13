// "Quick check": shown while the server wants a CAPTCHA before this device may
// search again. The `altcha` widget (loaded on demand) solves the server's
// proof-of-work challenge after the person ticks "I'm not a robot"; its
// payload goes back through onSolved. Closing the dialog stops the search.
import { useEffect, useState } from 'react';
import { Modal } from '../../../components/modal';
import { useI18n } from '../../../i18n/i18n-context';
import type { AltchaChallenge } from '../../../lib/signaling/altcha';
import { captchaStatus, type WidgetState } from '../captcha-status';

type WidgetModule = typeof import('./AltchaWidget');

export function CaptchaDialog({
  open,
  challenge,
  serial,
  sent,
  rejected,
  onSolved,
  onStop,
}: {
  open: boolean;
  challenge: AltchaChallenge | null;
  /** Changes with every fresh challenge: the widget starts over. */
  serial: number;
  sent: boolean;
  rejected: string | null;
  onSolved: (payload: string) => void;
  onStop: () => void;
}) {
  const { t, lang } = useI18n();
  const [widgetModule, setWidgetModule] = useState<WidgetModule | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [widgetState, setWidgetState] = useState<WidgetState>('unverified');

  useEffect(() => {
    if (!open || widgetModule) return;
    let cancelled = false;
    setLoadFailed(false);
    import('./AltchaWidget').then(
      (m) => !cancelled && setWidgetModule(m),
      () => !cancelled && setLoadFailed(true),
    );
    return () => {
      cancelled = true;
    };
  }, [open, widgetModule]);

  // A fresh challenge mounts a fresh widget (keyed by serial), which starts unverified.
  useEffect(() => setWidgetState('unverified'), [challenge]);

  const widget: WidgetState = loadFailed ? 'load-failed' : widgetModule ? widgetState : 'loading';
  const Widget = widgetModule?.AltchaWidget;

  return (
    <Modal open={open} onClose={onStop} title={t.captchaTitle} closeLabel={t.captchaStop}>
      <div className="space-y-4">
        <p className="text-sm text-zinc-400">{t.captchaText}</p>
        <div className="min-h-12">
          {Widget && challenge && (
            <Widget key={serial} challenge={challenge} language={lang} onVerified={onSolved} onStateChange={setWidgetState} />
          )}
        </div>
        <p role="status" aria-live="polite" className={'text-sm ' + (rejected && widget === 'unverified' && !sent ? 'text-amber-300' : 'text-zinc-300')}>
          {captchaStatus({ widget, sent, rejected }, t)}
        </p>
      </div>
    </Modal>
  );
}
