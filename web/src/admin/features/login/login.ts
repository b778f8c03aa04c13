// Signing in, and what the login page says about failures and sign-outs. Pure
// apart from the calls it is given.
import type { AdminApi, AdminApiError } from '../../lib/api-client';
import type { AdminSession, SignOutReason } from '../../lib/session';

export async function signIn(api: AdminApi, session: AdminSession, username: string, password: string): Promise<void> {
  const result = await api.login(username.trim(), password);
  session.signIn(username.trim(), result);
}

function minutes(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export function loginErrorText(e: AdminApiError): string {
  switch (e.code) {
    case 'unauthorized':
      return 'Wrong username or password.';
    case 'rate_limited':
      return e.retryAfterMs !== undefined
        ? `Too many failed sign-in attempts. Try again in ${minutes(e.retryAfterMs)}.`
        : 'Too many failed sign-in attempts. Try again later.';
    case 'unavailable':
      // 503 with a wait: the server's queue of sign-ins is full for a moment.
      return e.retryAfterMs !== undefined
        ? `The server is busy with other sign-ins. Try again in ${minutes(e.retryAfterMs)}.`
        : 'The server is not available right now. Please try again shortly.';
    case 'bad_request':
      return 'Enter your username and password.';
    case 'network':
      return 'Could not reach the server. Check your connection and try again.';
    default:
      return `Could not sign in (${e.code}). Please try again.`;
  }
}

export function signOutText(reason: SignOutReason | null): string | null {
  switch (reason) {
    case 'expired':
      return 'Your session expired after 15 minutes. Please sign in again.';
    case 'unauthorized':
      return 'Your session is no longer valid (it expired or the account was disabled). Please sign in again.';
    case 'signed-out':
      return 'You are signed out.';
    default:
      return null;
  }
}
