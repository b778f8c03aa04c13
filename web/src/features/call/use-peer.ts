// The peer connection of the current match, for use-call.ts: one PeerSession
// at a time (anything from a closed one is dropped), what it shows (the
// stranger's stream, mic and camera, the data channel, link quality) and the
// stranger's chat and reactions. Link changes go back as call events.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useConnection } from '../../lib/signaling/signaling-context';
import type { PeerMessage } from '../../lib/webrtc/peer-messages';
import { PeerSession, type IncomingSignal } from '../../lib/webrtc/peer-session';
import type { QualitySummary } from '../../lib/webrtc/stats';
import { fromLink, relayMissing } from './call-events';
import type { CallEvent } from './call-machine';

export interface RemoteMedia {
  audio: boolean;
  video: boolean;
}

export type PeerListener = (m: Exclude<PeerMessage, { t: 'media' }>) => void;

export interface OpenPeer {
  sessionId: string;
  /** The answerer is the polite side of perfect negotiation. */
  polite: boolean;
  /** Our camera and microphone, or null for a text call. */
  localStream: MediaStream | null;
  relayOnly: boolean;
}

export interface UsePeerOptions {
  /** Link changes, as call machine events. */
  onEvent: (e: CallEvent) => void;
  /** Whether our mic and camera are on: told to the stranger when the data channel opens. */
  mediaState: () => RemoteMedia;
}

const STATS_INTERVAL_MS = 2000;
const BOTH_ON: RemoteMedia = { audio: true, video: true };

declare global {
  interface Window {
    /** Read-only debug view of the latest getStats summary (used by the end-to-end tests). */
    __serendipStats?: () => QualitySummary | null;
  }
}

export function usePeer(options: UsePeerOptions) {
  const { client, iceServers: ice } = useConnection();
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [remoteStream, setRemoteStream] = useState<MediaStream | null>(null);
  const [remoteMedia, setRemoteMedia] = useState<RemoteMedia>(BOTH_ON);
  const [channelOpen, setChannelOpen] = useState(false);
  const [quality, setQuality] = useState<QualitySummary | null>(null);
  const peerRef = useRef<{ session: PeerSession; sessionId: string } | null>(null);
  const listenersRef = useRef(new Set<PeerListener>());
  const qualityRef = useRef<QualitySummary | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const sendMediaState = useCallback(() => {
    peerRef.current?.session.send({ t: 'media', ...optionsRef.current.mediaState() });
  }, []);

  const close = useCallback(() => {
    const p = peerRef.current;
    peerRef.current = null;
    p?.session.close();
    setSessionId(null);
    setRemoteStream(null);
    setChannelOpen(false);
    setRemoteMedia(BOTH_ON);
    setQuality(null);
    qualityRef.current = null;
  }, []);

  const open = useCallback(
    ({ sessionId, polite, localStream, relayOnly }: OpenPeer) => {
      close();
      const iceServers = ice.current();
      const mine = (): boolean => peerRef.current?.session === session;
      const session: PeerSession = new PeerSession({
        polite,
        iceServers,
        relayOnly,
        localStream,
        signal: (sig) => mine() && client.send({ ...sig, sessionId }),
        onIceOutcome: (o) => client.send({ type: 'ice_result', sessionId, ...o }),
        onLinkState: (link) => {
          const event = mine() ? fromLink(link, { iceServers, relayOnly, now: Date.now() }) : null;
          if (event) optionsRef.current.onEvent(event);
        },
        onRemoteStream: (stream) => mine() && setRemoteStream(stream),
        onPeerMessage: (m) => {
          if (!mine()) return;
          if (m.t === 'media') setRemoteMedia({ audio: m.audio, video: m.video });
          else for (const l of [...listenersRef.current]) l(m);
        },
        onChannelOpen: () => {
          if (!mine()) return;
          setChannelOpen(true);
          sendMediaState();
        },
      });
      peerRef.current = { session, sessionId };
      setSessionId(sessionId);
      const missing = relayMissing(iceServers, relayOnly);
      if (missing) queueMicrotask(() => optionsRef.current.onEvent(missing));
    },
    [client, close, sendMediaState, ice],
  );

  /** An offer, answer or candidate from the server, for the peer of that session only. */
  const signal = useCallback((forSession: string, s: IncomingSignal) => {
    const p = peerRef.current;
    if (p && p.sessionId === forSession) void p.session.handleSignal(s);
  }, []);

  const replaceTrack = useCallback(async (track: MediaStreamTrack) => {
    await peerRef.current?.session.replaceTrack(track);
  }, []);

  /** Chat and reactions to the stranger; false if the data channel is not open. */
  const send = useCallback((m: Exclude<PeerMessage, { t: 'media' }>) => peerRef.current?.session.send(m) ?? false, []);

  const onPeerMessage = useCallback((listener: PeerListener) => {
    listenersRef.current.add(listener);
    return () => {
      listenersRef.current.delete(listener);
    };
  }, []);

  // Quality badge: poll getStats while there is a peer.
  useEffect(() => {
    if (!sessionId) return;
    const timer = setInterval(() => {
      const p = peerRef.current;
      if (!p || p.sessionId !== sessionId) return;
      p.session
        .stats()
        .then((q) => {
          if (peerRef.current !== p) return;
          qualityRef.current = q;
          setQuality(q);
        })
        .catch(() => {});
    }, STATS_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [sessionId]);

  useEffect(() => {
    window.__serendipStats = () => qualityRef.current;
    return () => {
      delete window.__serendipStats;
    };
  }, []);

  // Leaving the page hangs up.
  useEffect(() => close, [close]);

  return { remoteStream, remoteMedia, channelOpen, quality, open, close, signal, replaceTrack, send, sendMediaState, onPeerMessage };
}
