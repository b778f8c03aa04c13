import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import { captchaStatus, type CaptchaView } from './captcha-status';

describe('captcha status line', () => {
  it.each<[CaptchaView, string]>([
    [{ widget: 'loading', sent: false, rejected: null }, en.captchaLoading],
    [{ widget: 'load-failed', sent: false, rejected: null }, en.captchaLoadFailed],
    [{ widget: 'unverified', sent: false, rejected: null }, 'Tick the box to carry on.'],
    [{ widget: 'verifying', sent: false, rejected: null }, en.captchaWorking],
    [{ widget: 'verified', sent: false, rejected: null }, en.captchaDone],
    [{ widget: 'verified', sent: true, rejected: null }, en.captchaDone],
    [{ widget: 'expired', sent: false, rejected: null }, en.captchaExpired],
    [{ widget: 'error', sent: false, rejected: null }, en.captchaFailed],
    [{ widget: 'unverified', sent: false, rejected: 'wrong_solution' }, 'The server did not accept the check (wrong_solution). Tick the box to try again.'],
    [{ widget: 'verifying', sent: false, rejected: 'expired' }, en.captchaWorking],
  ])('%j', (view, text) => {
    expect(captchaStatus(view, en)).toBe(text);
  });
});
