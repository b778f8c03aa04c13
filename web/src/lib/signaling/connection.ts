// Builds the browser's Connection: same-origin REST and WebSocket URLs,
// the device id from localStorage, real timers and randomness.
import { loadDeviceId } from './device-id';
import { IceServerCache } from './ice-servers';
import type { WelcomeMsg } from './messages';
import { SignalingClient, type WebSocketLike } from './signaling-client';
import type { Connection } from './signaling-context';
import { browserTimers } from './timers';
import { TokenSource } from './token-source';

export function socketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

export function createBrowserConnection(): Connection {
  const deviceId = loadDeviceId(window.localStorage, () => crypto.randomUUID());
  const tokens = new TokenSource({
    baseUrl: '',
    deviceId,
    fetch: (url, init) => window.fetch(url, init),
    timers: browserTimers,
  });
  const client = new SignalingClient({
    url: socketUrl(window.location),
    getToken: () => tokens.getToken(),
    invalidateToken: () => tokens.invalidate(),
    createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    timers: browserTimers,
    random: Math.random,
  });
  const iceServers = new IceServerCache({ fetchCredentials: () => tokens.turnCredentials(), now: () => Date.now() });
  let welcome: WelcomeMsg | null = null;
  client.subscribe((e) => {
    if (e.kind === 'message' && e.message.type === 'welcome') {
      welcome = e.message;
      iceServers.seed(e.message.iceServers);
    }
    if (e.kind === 'status') {
      if (e.status.state === 'open') tokens.start();
      if (e.status.state === 'closed') tokens.stop();
    }
  });
  // Back online: do not wait out the backoff. (navigator.onLine itself is not trusted: it says
  // "offline" on machines with only a loopback interface, where a local server works fine.)
  window.addEventListener('online', () => client.reconnectNow());
  return { client, tokens, welcome: () => welcome, iceServers };
}
