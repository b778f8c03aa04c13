import { describe, expect, it } from 'vitest';
import type { IceServerConfig } from '../signaling/messages';
import { diagnose, hasTurn, type Diagnosis } from './diagnosis';

describe('ICE failure diagnosis', () => {
  it.each<[IceServerConfig[], boolean, Diagnosis]>([
    [[], false, 'no-turn'],
    [[], true, 'relay-unavailable'],
    [[{ urls: ['stun:127.0.0.1:3478'] }], true, 'relay-unavailable'],
    [[{ urls: ['stun:x', 'turn:x:3478?transport=udp'] }], false, 'firewall'],
    [[{ urls: 'turns:x:5349' }], true, 'firewall'],
  ])('servers %j, relay only %s: %s', (servers, relayOnly, expected) => {
    expect(hasTurn(servers)).toBe(expected === 'firewall');
    expect(diagnose(servers, relayOnly)).toBe(expected);
  });
});
