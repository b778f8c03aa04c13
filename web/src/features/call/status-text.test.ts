import { describe, expect, it } from 'vitest';
import { en } from '../../i18n/en';
import type { CallState } from './call-machine';
import { endedText, statusOf } from './status-text';

const peer = { languages: ['en'], region: null, commonInterests: [] };
const base = { mode: 'video' as const, sessionId: 's', role: 'offerer' as const, peer };

describe('status text', () => {
  it.each<[CallState, string]>([
    [{ status: 'idle' }, 'Ready'],
    [{ status: 'searching', mode: 'video', since: 0, estimatedWaitMs: null, online: true }, 'Searching for a stranger…'],
    [{ status: 'searching', mode: 'video', since: 0, estimatedWaitMs: null, online: false }, 'Reconnecting to the server…'],
    [{ ...base, status: 'connecting', since: 0 }, 'Connecting…'],
    [{ ...base, status: 'in-call', connectedAt: 0, link: 'ok' }, 'Connected'],
    [{ ...base, status: 'in-call', connectedAt: 0, link: 'reconnecting' }, 'Reconnecting…'],
    [{ ...base, status: 'ended', reason: 'peer-next' }, 'Stranger left'],
    [{ ...base, status: 'ended', reason: 'peer-disconnect' }, 'Stranger left'],
    [{ ...base, status: 'ended', reason: 'ice-failed', diagnosis: 'no-turn' }, 'Connection failed'],
  ])('%j says %s', (state, text) => {
    expect(statusOf(state, en).text).toBe(text);
  });

  it.each([
    ['no-turn', en.failedNoTurn],
    ['relay-unavailable', en.failedRelay],
    ['firewall', en.failedFirewall],
  ] as const)('failure diagnosis %s is explained', (diagnosis, text) => {
    expect(endedText({ ...base, status: 'ended', reason: 'ice-failed', diagnosis }, en)).toBe(text);
  });
});
