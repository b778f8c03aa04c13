import { describe, expect, it } from 'vitest';
import type { Block } from '../../lib/types';
import { DEFAULT_DRAFT, acceptProblem, decisionMessage, toDecision } from './decision';

const known = { device: 'dk', ip: '192.0.2.1' };

describe('decision', () => {
  it.each([
    ['device block by default', DEFAULT_DRAFT, 'moderator', known, null],
    ['nothing to block', { ...DEFAULT_DRAFT, blockDevice: false }, 'moderator', known, 'Choose a device block, an IP block or both.'],
    ['unknown device', DEFAULT_DRAFT, 'moderator', { device: null, ip: '192.0.2.1' }, "The reported user's device is not known."],
    ['unknown IP', { ...DEFAULT_DRAFT, blockIp: true }, 'admin', { device: 'dk', ip: null }, "The reported user's IP address is not known."],
    ['permanent as moderator', { ...DEFAULT_DRAFT, duration: null }, 'moderator', known, 'Only admins may block permanently.'],
    ['permanent as admin', { ...DEFAULT_DRAFT, duration: null }, 'admin', known, null],
  ] as const)('%s', (_, draft, role, reported, problem) => {
    expect(acceptProblem(draft, role, reported)).toBe(problem);
  });

  it('trims the note into the decision', () => {
    expect(toDecision('accept', { ...DEFAULT_DRAFT, note: '  clear case ' })).toEqual({ action: 'accept', blockDevice: true, blockIp: false, duration: 86_400, note: 'clear case' });
    expect(toDecision('reject', { ...DEFAULT_DRAFT, note: 'ok' })).toEqual({ action: 'reject', note: 'ok' });
  });

  const block = (o: Partial<Block>): Block => ({
    id: 9, ip: null, device: 'dk', reason: 'spam', createdBy: 'admin:a', createdAt: 0, expiresAt: 86_400_000, until: null, liftedAt: null, liftedBy: null, reportId: 1, active: true, ...o,
  });
  it.each([
    ['reject', null, 'Report 4 rejected.'],
    ['accept', block({}), 'Report 4 accepted: device blocked for 1 day (block 9).'],
    ['accept', block({ ip: '192.0.2.1', expiresAt: null }), 'Report 4 accepted: device and IP address blocked permanently (block 9).'],
  ] as const)('%s -> %s', (action, b, text) => expect(decisionMessage(4, action, b)).toBe(text));
});
