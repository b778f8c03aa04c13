import { describe, expect, it } from 'vitest';
import { blockState, durationAllowed, durationLabel, formatAge, formatLength, formatRate, formatWait, reasonLabel, shortKey } from './format';

describe('format', () => {
  it.each([
    [0, 'just now'],
    [4_999, 'just now'],
    [42_000, '42 s'],
    [5 * 60_000, '5 min'],
    [3 * 3600_000 + 10 * 60_000, '3 h 10 min'],
    [2 * 86_400_000, '2 d'],
    [2 * 86_400_000 + 4 * 3600_000, '2 d 4 h'],
  ])('formatAge(%i ms)', (ms, text) => expect(formatAge(1_000_000_000 - ms, 1_000_000_000)).toBe(text));

  it.each([
    [null, '—'],
    [850.4, '850 ms'],
    [2400, '2.4 s'],
    [15_000, '15 s'],
    [65_000, '1 min 5 s'],
    [120_000, '2 min'],
  ])('formatWait(%s)', (ms, text) => expect(formatWait(ms)).toBe(text));

  it.each([
    [null, '—'],
    [0, '0 %'],
    [0.975, '97.5 %'],
    [1, '100 %'],
    [0.12345, '12.3 %'],
  ])('formatRate(%s)', (r, text) => expect(formatRate(r)).toBe(text));

  it.each([
    [42_000, '42 s'],
    [200_000, '3 min 20 s'],
    [3_720_000, '1 h 2 min'],
  ])('formatLength(%i)', (ms, text) => expect(formatLength(ms)).toBe(text));

  it.each([
    [{ active: true, expiresAt: null, liftedAt: null }, 'Permanent'],
    [{ active: false, expiresAt: 5, liftedAt: 3 }, 'Lifted'],
    [{ active: false, expiresAt: 5, liftedAt: null }, 'Expired'],
  ])('blockState(%j)', (b, text) => expect(blockState(b)).toBe(text));

  it('labels', () => {
    expect(reasonLabel('spam')).toBe('Spam or advertising');
    expect(reasonLabel('new-reason')).toBe('new-reason');
    expect(durationLabel(86_400)).toBe('1 day');
    expect(durationLabel(null)).toBe('Permanent');
    expect(durationLabel(90)).toBe('90 s');
    expect(shortKey('abcdefghijklmnop')).toBe('abcdefghij…');
    expect(shortKey(null)).toBe('—');
  });

  it.each([
    ['moderator', 30 * 86_400, true],
    ['moderator', 30 * 86_400 + 1, false],
    ['moderator', 365 * 86_400, false],
    ['moderator', null, false],
    ['admin', 365 * 86_400, true],
    ['admin', null, true],
  ] as const)('a %s may choose %s seconds: %s', (role, seconds, allowed) => {
    expect(durationAllowed(role, seconds)).toBe(allowed);
  });

  it('labels, continued', () => {
    expect(shortKey(null)).toBe('—');
  });
});
