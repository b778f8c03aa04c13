// Why a call could not connect, as far as the client can tell.
import type { IceServerConfig } from '../signaling/messages';

export type Diagnosis = 'no-turn' | 'relay-unavailable' | 'firewall';

export function hasTurn(servers: readonly IceServerConfig[]): boolean {
  return servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u)));
}

export function diagnose(servers: readonly IceServerConfig[], relayOnly: boolean): Diagnosis {
  if (hasTurn(servers)) return 'firewall';
  return relayOnly ? 'relay-unavailable' : 'no-turn';
}
