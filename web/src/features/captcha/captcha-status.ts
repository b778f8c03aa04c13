// What the CAPTCHA dialog's status line says (one place, so the words that
// screen readers announce and tests look for cannot drift apart).
import type { Messages } from '../../i18n';

/** The widget's own states (its `statechange` event), plus ours while it loads. */
export type WidgetState = 'loading' | 'load-failed' | 'unverified' | 'verifying' | 'verified' | 'error' | 'expired' | 'code';

export interface CaptchaView {
  widget: WidgetState;
  /** The payload went to the server; waiting for its answer. */
  sent: boolean;
  /** Why the server refused the previous solution, if it did. */
  rejected: string | null;
}

export function captchaStatus(v: CaptchaView, t: Messages): string {
  if (v.widget === 'load-failed') return t.captchaLoadFailed;
  if (v.sent || v.widget === 'verified') return t.captchaDone;
  switch (v.widget) {
    case 'loading':
      return t.captchaLoading;
    case 'verifying':
      return t.captchaWorking;
    case 'expired':
      return t.captchaExpired;
    case 'error':
      return t.captchaFailed;
    default:
      return v.rejected ? t.captchaRejected(v.rejected) : t.captchaPrompt;
  }
}
