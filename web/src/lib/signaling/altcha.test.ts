import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { solveAltcha, type Digest } from './altcha';

const digest: Digest = async (algorithm, data) => {
  const h = createHash(algorithm.replace('-', '').toLowerCase()).update(data).digest();
  return h.buffer.slice(h.byteOffset, h.byteOffset + h.byteLength) as ArrayBuffer;
};
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('solveAltcha', () => {
  it.each([0, 7, 1234])('finds number %i', async (secret) => {
    const challenge = { algorithm: 'SHA-256', challenge: sha256('salt?x=1' + secret), salt: 'salt?x=1', signature: 'sig', maxnumber: 5000 };
    const payload = await solveAltcha(challenge, digest);
    expect(JSON.parse(atob(payload!))).toEqual({ algorithm: 'SHA-256', challenge: challenge.challenge, number: secret, salt: 'salt?x=1', signature: 'sig' });
  });

  it.each([
    ['no solution below maxnumber', { algorithm: 'SHA-256', challenge: sha256('s' + 50), salt: 's', signature: 'x', maxnumber: 10 }],
    ['unknown algorithm', { algorithm: 'MD5', challenge: 'ab', salt: 's', signature: 'x' }],
    ['not a challenge', 'hello'],
  ])('%s gives null', async (_, challenge) => {
    expect(await solveAltcha(challenge, digest)).toBeNull();
  });
});
