// What the status region says for each call state (one place, so the words
// that screen readers announce and tests look for cannot drift apart).
import type { Messages } from '../../i18n';
import type { CallState } from './call-machine';

export type Tone = 'neutral' | 'busy' | 'ok' | 'warn' | 'bad';

export function statusOf(state: CallState, t: Messages): { text: string; tone: Tone } {
  switch (state.status) {
    case 'idle':
      return { text: t.statusIdle, tone: 'neutral' };
    case 'acquiring-media':
      return { text: t.statusAcquiring, tone: 'busy' };
    case 'searching':
      return state.online ? { text: t.statusSearching, tone: 'busy' } : { text: t.statusOffline, tone: 'warn' };
    case 'connecting':
      return { text: t.statusConnecting, tone: 'busy' };
    case 'in-call':
      return state.link === 'ok' ? { text: t.statusConnected, tone: 'ok' } : { text: t.statusReconnecting, tone: 'warn' };
    case 'ended':
      if (state.reason === 'ice-failed') return { text: t.statusFailed, tone: 'bad' };
      if (state.reason === 'connection-lost') return { text: t.statusLost, tone: 'bad' };
      return { text: t.statusStrangerLeft, tone: 'neutral' };
  }
}

export function endedText(state: Extract<CallState, { status: 'ended' }>, t: Messages): string {
  switch (state.reason) {
    case 'peer-next':
      return t.strangerLeftNext;
    case 'peer-leave':
      return t.strangerLeftLeave;
    case 'peer-disconnect':
      return t.strangerLeftDisconnect;
    case 'peer-blocked':
      return t.strangerLeftBlocked;
    case 'connection-lost':
      return t.lostText;
    case 'ice-failed':
      return state.diagnosis === 'relay-unavailable' ? t.failedRelay : state.diagnosis === 'firewall' ? t.failedFirewall : t.failedNoTurn;
  }
}
