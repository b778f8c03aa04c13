// The React binding of the signaling connection: the app creates one
// Connection (token source + socket client) and hands it down by context.
// Nothing here is a module-level singleton.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { IceServerCache } from './ice-servers';
import type { WelcomeMsg } from './messages';
import { SignalingClient, type SignalingStatus } from './signaling-client';
import type { TokenSource } from './token-source';

export interface Connection {
  client: SignalingClient;
  tokens: TokenSource;
  /** The latest `welcome` (ICE servers, limits), kept across reconnects. */
  welcome: () => WelcomeMsg | null;
  /** The ICE servers for the next call, TURN credentials refreshed before searches (ice-servers.ts). */
  iceServers: IceServerCache;
}

const ConnectionContext = createContext<Connection | null>(null);

export function ConnectionProvider({ connection, children }: { connection: Connection; children: ReactNode }) {
  return <ConnectionContext.Provider value={connection}>{children}</ConnectionContext.Provider>;
}

export function useConnection(): Connection {
  const c = useContext(ConnectionContext);
  if (!c) throw new Error('useConnection outside ConnectionProvider');
  return c;
}

export function useSignalingStatus(): SignalingStatus {
  const { client } = useConnection();
  const [status, setStatus] = useState(client.currentStatus);
  useEffect(() => {
    setStatus(client.currentStatus);
    return client.subscribe((e) => {
      if (e.kind === 'status') setStatus(e.status);
    });
  }, [client]);
  return status;
}
