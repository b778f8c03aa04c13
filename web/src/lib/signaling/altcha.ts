// The server's CAPTCHA (contract section 4): ALTCHA v1 proof-of-work
// challenges, solved in the browser by the `altcha` widget (features/captcha).
// Only the shapes live here: which challenges the widget can take, and why the
// server refused a solution.

/** An ALTCHA v1 challenge as the server sends it in `captcha_required`. */
export interface AltchaChallenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber?: number;
}

/** The algorithms the widget's bundled SHA worker solves (the server uses SHA-256). */
export const ALTCHA_ALGORITHMS: readonly string[] = ['SHA-256', 'SHA-384', 'SHA-512'];

export function isAltchaChallenge(v: unknown): v is AltchaChallenge {
  const c = v as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    !Array.isArray(c) &&
    typeof c.algorithm === 'string' &&
    ALTCHA_ALGORITHMS.includes(c.algorithm) &&
    typeof c.challenge === 'string' &&
    c.challenge !== '' &&
    typeof c.salt === 'string' &&
    c.salt !== '' &&
    typeof c.signature === 'string' &&
    (c.maxnumber === undefined || (typeof c.maxnumber === 'number' && Number.isInteger(c.maxnumber) && c.maxnumber > 0))
  );
}

/** The server's reason from an `error` "captcha rejected: <reason>" (docs/abuse.md), or "unknown". */
export function captchaRejectionReason(message: string): string {
  const m = /^captcha rejected:\s*([a-z_]+)/.exec(message);
  return m?.[1] ?? 'unknown';
}
