// The one place where the call touches the world. It binds the pure parts
// (call-machine.ts decides, call-events.ts reads the news) to the world:
// signaling events go in as machine events, and the effects the machine
// returns are carried out here, by the local-media and peer hooks or on the
// signaling client, including the machine's timers.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JoinMsg } from '../../lib/signaling/messages';
import { useConnection } from '../../lib/signaling/signaling-context';
import { browserTimers } from '../../lib/signaling/timers';
import type { PeerMessage } from '../../lib/webrtc/peer-messages';
import type { QualitySummary } from '../../lib/webrtc/stats';
import { fromSignaling, noPendingReplies, type PendingReplies } from './call-events';
import { initialCallState, transition, type CallEffect, type CallEvent, type CallState, type Mode, type TimerName } from './call-machine';
import { NamedTimers } from './named-timers';
import { useLocalMedia } from './use-local-media';
import { usePeer, type PeerListener, type RemoteMedia } from './use-peer';

export type { PeerListener, RemoteMedia } from './use-peer';

export type JoinPreferences = Omit<JoinMsg, 'type' | 'id' | 'mode'>;

export interface UseCallOptions {
  /** Read at each join, so edits on the landing page apply to the next search. */
  preferences: () => JoinPreferences;
  relayOnly: boolean;
  cameraId: string | null;
  microphoneId: string | null;
}

export interface CallApi {
  state: CallState;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  micOn: boolean;
  cameraOn: boolean;
  remoteMedia: RemoteMedia;
  channelOpen: boolean;
  quality: QualitySummary | null;
  /** Whether the server offers a TURN relay (for the privacy setting's warning). */
  relayAvailable: boolean | null;
  start: (mode: Mode) => void;
  next: () => void;
  stop: () => void;
  toggleMic: () => void;
  toggleCamera: () => void;
  /** The CAPTCHA widget's payload for the challenge in `state.captcha` (sent once; then the search goes on). */
  solveCaptcha: (payload: string) => void;
  /** Chat and reactions to the stranger; false if the data channel is not open. */
  sendToPeer: (m: Exclude<PeerMessage, { t: 'media' }>) => boolean;
  onPeerMessage: (listener: PeerListener) => () => void;
}

export function useCall(options: UseCallOptions): CallApi {
  const { client, iceServers } = useConnection();
  const [state, setState] = useState<CallState>(initialCallState);
  const [relayAvailable, setRelayAvailable] = useState<boolean | null>(null);

  // What the effects need without re-rendering.
  const stateRef = useRef(state);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const pendingRef = useRef<PendingReplies>(noPendingReplies);
  const dispatchRef = useRef<(e: CallEvent) => void>(() => {});
  const dispatchLater = useCallback((e: CallEvent) => dispatchRef.current(e), []);
  const [timers] = useState(() => new NamedTimers<TimerName>(browserTimers, (timer) => dispatchLater({ type: 'timer', timer })));

  // The two hooks need each other only later, from callbacks: the media hook hands a
  // swapped-in track to the peer, the peer tells the stranger whether mic and camera are on.
  const media = useLocalMedia({ cameraId: options.cameraId, microphoneId: options.microphoneId, onTrackSwapped: (t) => peer.replaceTrack(t) });
  const peer = usePeer({ onEvent: dispatchLater, mediaState: media.enabled });
  // Their functions are stable (the objects around them are not).
  const { acquire, release, current: localNow, toggleMic: flipMic, toggleCamera: flipCamera } = media;
  const { open: openPeer, close: closePeer, signal, sendMediaState } = peer;

  const run = useCallback(
    (effect: CallEffect) => {
      const s = stateRef.current;
      switch (effect.type) {
        case 'acquire-media':
          void acquire().then((r) => r && dispatchLater(r.ok ? { type: 'media-ready', now: Date.now() } : { type: 'media-failed', error: r.error }));
          break;
        case 'release-media':
          release();
          break;
        case 'join':
          if (client.currentStatus.state === 'idle' || client.currentStatus.state === 'closed') client.start();
          if (s.status === 'searching') {
            void iceServers.refreshIfAged(); // the next call starts with a fresh TURN credential
            const join = client.send({ type: 'join', mode: s.mode, ...optionsRef.current.preferences() });
            pendingRef.current = { ...pendingRef.current, join };
          }
          break;
        case 'send-next':
        case 'send-leave':
          client.send({ type: effect.type === 'send-next' ? 'next' : 'leave' });
          break;
        case 'send-captcha':
          pendingRef.current = { ...pendingRef.current, captcha: client.send({ type: 'captcha', payload: effect.payload }) };
          break;
        case 'open-peer': {
          const video = s.status !== 'idle' && s.mode === 'video';
          const relayOnly = optionsRef.current.relayOnly;
          openPeer({ sessionId: effect.sessionId, polite: effect.role === 'answerer', localStream: video ? localNow() : null, relayOnly });
          break;
        }
        case 'close-peer':
          closePeer();
          break;
        case 'start-timer':
          timers.start(effect.timer, effect.delayMs);
          break;
        case 'cancel-timer':
          timers.cancel(effect.timer);
          break;
      }
    },
    [acquire, client, closePeer, dispatchLater, iceServers, localNow, openPeer, release, timers],
  );

  const dispatch = useCallback(
    (event: CallEvent) => {
      const result = transition(stateRef.current, event);
      if (result.state !== stateRef.current) {
        stateRef.current = result.state;
        setState(result.state);
      }
      result.effects.forEach(run);
    },
    [run],
  );
  dispatchRef.current = dispatch;

  // Signaling -> machine events (and relayed offers, answers, candidates -> the peer).
  useEffect(
    () =>
      client.subscribe((e) => {
        const r = fromSignaling(e, pendingRef.current, { active: stateRef.current.status !== 'idle', now: Date.now() });
        pendingRef.current = r.pending;
        if (r.relayAvailable !== undefined) setRelayAvailable(r.relayAvailable);
        if (r.relay) signal(r.relay.sessionId, r.relay.signal);
        r.events.forEach((event) => dispatchRef.current(event));
      }),
    [client, signal],
  );

  // Leaving the page: no timer may run out into an unmounted call.
  useEffect(() => () => timers.cancelAll(), [timers]);

  const toggleMic = useCallback(() => {
    flipMic();
    sendMediaState();
  }, [flipMic, sendMediaState]);
  const toggleCamera = useCallback(() => {
    flipCamera();
    sendMediaState();
  }, [flipCamera, sendMediaState]);
  const start = useCallback((mode: Mode) => dispatch({ type: 'start', mode, now: Date.now() }), [dispatch]);
  const next = useCallback(() => dispatch({ type: 'next', now: Date.now() }), [dispatch]);
  const stop = useCallback(() => dispatch({ type: 'stop' }), [dispatch]);
  const solveCaptcha = useCallback((payload: string) => dispatch({ type: 'captcha-solved', payload }), [dispatch]);

  const { stream: localStream, micOn, cameraOn } = media;
  const { remoteStream, remoteMedia, channelOpen, quality, send: sendToPeer, onPeerMessage } = peer;
  return useMemo(
    () => ({ state, localStream, remoteStream, micOn, cameraOn, remoteMedia, channelOpen, quality, relayAvailable, start, next, stop, toggleMic, toggleCamera, solveCaptcha, sendToPeer, onPeerMessage }),
    [state, localStream, remoteStream, micOn, cameraOn, remoteMedia, channelOpen, quality, relayAvailable, start, next, stop, toggleMic, toggleCamera, solveCaptcha, sendToPeer, onPeerMessage],
  );
}
