import { describe, expect, it } from 'vitest';
import { captchaRejectionReason, isAltchaChallenge } from './altcha';

// What the server sends (docs/abuse.md "Format").
const challenge = {
  algorithm: 'SHA-256',
  challenge: 'a'.repeat(64),
  maxnumber: 50000,
  salt: '0123456789abcdef0123456789abcdef?expires=1700000300&',
  signature: 'b'.repeat(64),
};

describe('isAltchaChallenge', () => {
  it('accepts the server challenge, with or without maxnumber', () => {
    expect(isAltchaChallenge(challenge)).toBe(true);
    const { maxnumber: _, ...rest } = challenge;
    expect(isAltchaChallenge(rest)).toBe(true);
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['an array', [challenge]],
    ['an algorithm the widget has no worker for', { ...challenge, algorithm: 'ARGON2ID' }],
    ['no signature', { ...challenge, signature: undefined }],
    ['an empty salt', { ...challenge, salt: '' }],
    ['a fractional maxnumber', { ...challenge, maxnumber: 1.5 }],
  ])('refuses %s', (_, value) => {
    expect(isAltchaChallenge(value)).toBe(false);
  });
});

describe('captchaRejectionReason', () => {
  it.each([
    ['captcha rejected: wrong_solution', 'wrong_solution'],
    ['captcha rejected: replayed', 'replayed'],
    ['captcha rejected: expired', 'expired'],
    ['something else', 'unknown'],
  ])('%s -> %s', (message, reason) => {
    expect(captchaRejectionReason(message)).toBe(reason);
  });
});
