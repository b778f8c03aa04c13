// Solves the server's proof-of-work CAPTCHA (contract section 4, ALTCHA
// format): find n <= maxnumber with hex(SHA-256(salt + n)) == challenge, and
// answer with the base64 JSON payload the ALTCHA widget would send.

export interface AltchaChallenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  maxnumber?: number;
}

export type Digest = (algorithm: string, data: Uint8Array) => Promise<ArrayBuffer>;

const webDigest: Digest = (algorithm, data) => crypto.subtle.digest(algorithm, data as BufferSource);

export function isAltchaChallenge(v: unknown): v is AltchaChallenge {
  const c = v as Record<string, unknown> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.algorithm === 'string' &&
    typeof c.challenge === 'string' &&
    typeof c.salt === 'string' &&
    typeof c.signature === 'string' &&
    (c.maxnumber === undefined || typeof c.maxnumber === 'number')
  );
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The payload to send as `captcha.payload`, or null if the challenge is not solvable. */
export async function solveAltcha(challenge: unknown, digest: Digest = webDigest, limit = 2_000_000): Promise<string | null> {
  if (!isAltchaChallenge(challenge)) return null;
  const algorithm = challenge.algorithm.toUpperCase();
  if (!['SHA-256', 'SHA-384', 'SHA-512'].includes(algorithm)) return null;
  const max = Math.min(challenge.maxnumber ?? 1_000_000, limit);
  const encoder = new TextEncoder();
  const target = challenge.challenge.toLowerCase();
  for (let n = 0; n <= max; n++) {
    if (hex(await digest(algorithm, encoder.encode(challenge.salt + n))) === target) {
      const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number: n, salt: challenge.salt, signature: challenge.signature };
      return btoa(JSON.stringify(payload));
    }
  }
  return null;
}
