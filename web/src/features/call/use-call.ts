// The one place where the call touches the world. It feeds signaling and
// WebRTC events into the pure call machine and carries out the effects the
// machine returns: camera, `join`/`next`/`leave`, the peer connection.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JoinMsg, ServerMessage } from '../../lib/signaling/messages';
import type { SignalingEvent } from '../../lib/signaling/signaling-client';
import { useConnection } from '../../lib/signaling/signaling-context';
import { diagnose, hasTurn } from '../../lib/webrtc/diagnosis';
import { classifyMediaError, getLocalMedia, stopStream } from '../../lib/webrtc/media';
import type { PeerMessage } from '../../lib/webrtc/peer-messages';
import { PeerSession } from '../../lib/webrtc/peer-session';
import type { QualitySummary } from '../../lib/webrtc/stats';
import { captchaRejectionReason, isAltchaChallenge } from '../../lib/signaling/altcha';
import { initialCallState, transition, type CallEffect, type CallEvent, type CallState, type Mode } from './call-machine';

export type JoinPreferences = Omit<JoinMsg, 'type' | 'id' | 'mode'>;

export interface UseCallOptions {
  /** Read at each join, so edits on the landing page apply to the next search. */
  preferences: () => JoinPreferences;
  relayOnly: boolean;
  cameraId: string | null;
  microphoneId: string | null;
}

export interface RemoteMedia {
  audio: boolean;
  video: boolean;
}

export type PeerListener = (m: Exclude<PeerMessage, { t: 'media' }>) => void;

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

const STATS_INTERVAL_MS = 2000;
/** How long to wait for the challenge after an `error` captcha_required (it comes as its own message). */
const CAPTCHA_WAIT_MS = 3000;

declare global {
  interface Window {
    /** Read-only debug view of the latest getStats summary (used by the end-to-end tests). */
    __serendipStats?: () => QualitySummary | null;
  }
}

export function useCall(options: UseCallOptions): CallApi {
  const { client, welcome } = useConnection();
  const [state, setState] = useState<CallState>(initialCallState);
  const [localStream, setLocalStream] = useState<MediaStream | null>(null);
  const [remoteStream, setRemoteStream] = useState<MediaStream | null>(null);
  const [micOn, setMicOn] = useState(true);
  const [cameraOn, setCameraOn] = useState(true);
  const [remoteMedia, setRemoteMedia] = useState<RemoteMedia>({ audio: true, video: true });
  const [channelOpen, setChannelOpen] = useState(false);
  const [quality, setQuality] = useState<QualitySummary | null>(null);
  const [relayAvailable, setRelayAvailable] = useState<boolean | null>(null);

  // Mutable world state the effects need without re-rendering.
  const stateRef = useRef(state);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const streamRef = useRef<MediaStream | null>(null);
  const peerRef = useRef<{ session: PeerSession; sessionId: string } | null>(null);
  const joinIdRef = useRef<number | null>(null);
  const joinTimerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const captchaTimerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const captchaIdRef = useRef<number | null>(null);
  const mediaRef = useRef({ mic: true, camera: true });
  const listenersRef = useRef(new Set<PeerListener>());
  const qualityRef = useRef<QualitySummary | null>(null);
  const dispatchRef = useRef<(e: CallEvent) => void>(() => {});

  const sendMediaState = useCallback(() => {
    peerRef.current?.session.send({ t: 'media', audio: mediaRef.current.mic, video: mediaRef.current.camera });
  }, []);

  const closePeer = useCallback(() => {
    const p = peerRef.current;
    peerRef.current = null;
    p?.session.close();
    setRemoteStream(null);
    setChannelOpen(false);
    setRemoteMedia({ audio: true, video: true });
    setQuality(null);
    qualityRef.current = null;
  }, []);

  const sendJoin = useCallback(() => {
    const s = stateRef.current;
    if (s.status !== 'searching') return;
    const prefs = optionsRef.current.preferences();
    joinIdRef.current = client.send({ type: 'join', mode: s.mode, ...prefs });
  }, [client]);

  const openPeer = useCallback(
    (sessionId: string, polite: boolean) => {
      closePeer();
      const servers = welcome()?.iceServers ?? [];
      const relayOnly = optionsRef.current.relayOnly;
      const s = stateRef.current;
      const video = s.status !== 'idle' && s.mode === 'video';
      const session = new PeerSession({
        polite,
        iceServers: servers,
        relayOnly,
        localStream: video ? streamRef.current : null,
        signal: (sig) => {
          if (peerRef.current?.session !== session) return;
          client.send({ ...sig, sessionId });
        },
        onIceOutcome: (o) => client.send({ type: 'ice_result', sessionId, ...o }),
        onLinkState: (link) => {
          if (peerRef.current?.session !== session) return;
          if (link === 'connected') dispatchRef.current({ type: 'peer-connected', now: Date.now() });
          else if (link === 'reconnecting') dispatchRef.current({ type: 'link-reconnecting' });
          else if (link === 'failed') dispatchRef.current({ type: 'ice-failed', diagnosis: diagnose(servers, relayOnly) });
        },
        onRemoteStream: (stream) => {
          if (peerRef.current?.session === session) setRemoteStream(stream);
        },
        onPeerMessage: (m) => {
          if (peerRef.current?.session !== session) return;
          if (m.t === 'media') setRemoteMedia({ audio: m.audio, video: m.video });
          else for (const l of [...listenersRef.current]) l(m);
        },
        onChannelOpen: () => {
          if (peerRef.current?.session !== session) return;
          setChannelOpen(true);
          sendMediaState();
        },
      });
      peerRef.current = { session, sessionId };
      if (relayOnly && !hasTurn(servers)) {
        // Hiding the IP needs a relay the server does not have: say so now instead of timing out.
        queueMicrotask(() => dispatchRef.current({ type: 'ice-failed', diagnosis: 'relay-unavailable' }));
      }
    },
    [client, closePeer, sendMediaState, welcome],
  );

  const releaseMedia = useCallback(() => {
    stopStream(streamRef.current);
    streamRef.current = null;
    setLocalStream(null);
  }, []);

  const acquireMedia = useCallback(async () => {
    try {
      const { cameraId, microphoneId } = optionsRef.current;
      const stream = await getLocalMedia(navigator.mediaDevices, { cameraId, microphoneId });
      if (stateRef.current.status !== 'acquiring-media') {
        stopStream(stream); // the user pressed Stop meanwhile
        return;
      }
      stream.getAudioTracks().forEach((t) => (t.enabled = mediaRef.current.mic));
      stream.getVideoTracks().forEach((t) => (t.enabled = mediaRef.current.camera));
      streamRef.current = stream;
      setLocalStream(stream);
      dispatchRef.current({ type: 'media-ready', now: Date.now() });
    } catch (error) {
      dispatchRef.current({ type: 'media-failed', error: classifyMediaError(error) });
    }
  }, []);

  const run = useCallback(
    (effect: CallEffect) => {
      switch (effect.type) {
        case 'acquire-media':
          void acquireMedia();
          break;
        case 'release-media':
          releaseMedia();
          break;
        case 'join':
          if (client.currentStatus.state === 'idle' || client.currentStatus.state === 'closed') client.start();
          sendJoin();
          break;
        case 'join-later':
          if (joinTimerRef.current) clearTimeout(joinTimerRef.current);
          joinTimerRef.current = setTimeout(sendJoin, effect.delayMs);
          break;
        case 'send-next':
          client.send({ type: 'next' });
          break;
        case 'send-leave':
          client.send({ type: 'leave' });
          break;
        case 'send-captcha':
          captchaIdRef.current = client.send({ type: 'captcha', payload: effect.payload });
          break;
        case 'open-peer':
          openPeer(effect.sessionId, effect.role === 'answerer');
          break;
        case 'close-peer':
          closePeer();
          break;
      }
    },
    [acquireMedia, client, closePeer, openPeer, releaseMedia, sendJoin],
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

  // Signaling -> machine events.
  useEffect(() => {
    const onMessage = (m: ServerMessage) => {
      switch (m.type) {
        case 'welcome':
          setRelayAvailable(hasTurn(m.iceServers));
          break;
        case 'queued':
          dispatch({ type: 'queued', estimatedWaitMs: m.estimatedWaitMs ?? null });
          break;
        case 'matched':
          dispatch({ type: 'matched', sessionId: m.sessionId, role: m.role, peer: m.peer, now: Date.now() });
          break;
        case 'offer':
        case 'answer':
        case 'ice': {
          const p = peerRef.current;
          if (p && p.sessionId === m.sessionId) {
            void p.session.handleSignal(m.type === 'ice' ? { type: 'ice', candidate: m.candidate } : { type: m.type, sdp: m.sdp });
          }
          break;
        }
        case 'peer_left':
          dispatch({ type: 'peer-left', sessionId: m.sessionId, reason: m.reason });
          break;
        case 'banned':
          dispatch({ type: 'banned', until: m.until, appealable: m.appealable });
          break;
        case 'captcha_required':
          // The CAPTCHA dialog shows the challenge; its widget solves it in the browser
          // (proof of work, no outside service) and solveCaptcha() sends the payload.
          if (captchaTimerRef.current) clearTimeout(captchaTimerRef.current);
          captchaTimerRef.current = null;
          if (!isAltchaChallenge(m.challenge)) dispatch({ type: 'server-error', code: 'captcha_required' });
          else dispatch({ type: 'captcha-required', challenge: m.challenge });
          break;
        case 'captcha_ok':
          captchaIdRef.current = null;
          dispatch({ type: 'captcha-ok' });
          break;
        case 'error':
          if (m.code === 'captcha_required' && m.re !== undefined && m.re === captchaIdRef.current) {
            // "captcha rejected: <reason>"; a fresh captcha_required follows. If none does,
            // join again: the server answers with a challenge if one is still due.
            captchaIdRef.current = null;
            dispatch({ type: 'captcha-rejected', reason: captchaRejectionReason(m.message) });
            if (captchaTimerRef.current) clearTimeout(captchaTimerRef.current);
            captchaTimerRef.current = setTimeout(() => dispatch({ type: 'captcha-retry' }), CAPTCHA_WAIT_MS);
            break;
          }
          // Only failures of our join concern the call; replies to reports etc. go to their feature.
          if (m.re === undefined ? m.code === 'rate_limited' : m.re === joinIdRef.current) {
            if (m.code === 'captcha_required') {
              // The challenge itself comes as a captcha_required message; give up if it does not.
              if (captchaTimerRef.current) clearTimeout(captchaTimerRef.current);
              captchaTimerRef.current = setTimeout(() => dispatch({ type: 'server-error', code: 'captcha_required' }), CAPTCHA_WAIT_MS);
              break;
            }
            dispatch({ type: 'server-error', code: m.code, ...(m.retryAfterMs !== undefined ? { retryAfterMs: m.retryAfterMs } : {}) });
          }
          break;
      }
    };
    return client.subscribe((e: SignalingEvent) => {
      if (e.kind === 'message') onMessage(e.message);
      else if (e.kind === 'status') {
        if (e.status.state === 'open') dispatch({ type: 'signaling-open' });
        else if (e.status.state === 'reconnecting') dispatch({ type: 'signaling-lost' });
        else if (e.status.state === 'closed' && e.status.reason === 'banned' && stateRef.current.status !== 'idle') {
          dispatch({ type: 'banned', until: null, appealable: true });
        }
      } else if (e.kind === 'token-error') {
        const err = e.error as { code?: string; until?: string | null; appealable?: boolean };
        if (err.code === 'banned') dispatch({ type: 'banned', until: err.until ?? null, appealable: err.appealable ?? true });
      }
    });
  }, [client, dispatch]);

  // Quality badge: poll getStats while there is a peer.
  const sessionId = state.status === 'connecting' || state.status === 'in-call' ? state.sessionId : null;
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

  // Device changed in Settings during a call: swap the track in place.
  const { cameraId, microphoneId } = options;
  useEffect(() => {
    const stream = streamRef.current;
    if (!stream) return;
    const current = {
      camera: stream.getVideoTracks()[0]?.getSettings().deviceId ?? null,
      microphone: stream.getAudioTracks()[0]?.getSettings().deviceId ?? null,
    };
    const wantCamera = cameraId && cameraId !== current.camera;
    const wantMic = microphoneId && microphoneId !== current.microphone;
    if (!wantCamera && !wantMic) return;
    let cancelled = false;
    navigator.mediaDevices
      .getUserMedia({
        video: wantCamera ? { deviceId: { exact: cameraId } } : false,
        audio: wantMic ? { deviceId: { exact: microphoneId } } : false,
      })
      .then(async (fresh) => {
        if (cancelled || streamRef.current !== stream) return stopStream(fresh);
        for (const track of fresh.getTracks()) {
          const old = stream.getTracks().find((t) => t.kind === track.kind);
          track.enabled = track.kind === 'audio' ? mediaRef.current.mic : mediaRef.current.camera;
          if (old) {
            stream.removeTrack(old);
            old.stop();
          }
          stream.addTrack(track);
          await peerRef.current?.session.replaceTrack(track);
        }
        setLocalStream(new MediaStream(stream.getTracks()));
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, [cameraId, microphoneId]);

  // Leaving the page: tell the server and free the camera.
  useEffect(
    () => () => {
      closePeer();
      stopStream(streamRef.current);
      if (joinTimerRef.current) clearTimeout(joinTimerRef.current);
      if (captchaTimerRef.current) clearTimeout(captchaTimerRef.current);
    },
    [closePeer],
  );

  const toggleMic = useCallback(() => {
    mediaRef.current.mic = !mediaRef.current.mic;
    streamRef.current?.getAudioTracks().forEach((t) => (t.enabled = mediaRef.current.mic));
    setMicOn(mediaRef.current.mic);
    sendMediaState();
  }, [sendMediaState]);

  const toggleCamera = useCallback(() => {
    mediaRef.current.camera = !mediaRef.current.camera;
    streamRef.current?.getVideoTracks().forEach((t) => (t.enabled = mediaRef.current.camera));
    setCameraOn(mediaRef.current.camera);
    sendMediaState();
  }, [sendMediaState]);

  const start = useCallback((mode: Mode) => dispatch({ type: 'start', mode, now: Date.now() }), [dispatch]);
  const next = useCallback(() => dispatch({ type: 'next', now: Date.now() }), [dispatch]);
  const stop = useCallback(() => dispatch({ type: 'stop' }), [dispatch]);
  const solveCaptcha = useCallback((payload: string) => dispatch({ type: 'captcha-solved', payload }), [dispatch]);
  const sendToPeer = useCallback((m: Exclude<PeerMessage, { t: 'media' }>) => peerRef.current?.session.send(m) ?? false, []);
  const onPeerMessage = useCallback((listener: PeerListener) => {
    listenersRef.current.add(listener);
    return () => {
      listenersRef.current.delete(listener);
    };
  }, []);

  return useMemo(
    () => ({
      state,
      localStream,
      remoteStream,
      micOn,
      cameraOn,
      remoteMedia,
      channelOpen,
      quality,
      relayAvailable,
      start,
      next,
      stop,
      toggleMic,
      toggleCamera,
      solveCaptcha,
      sendToPeer,
      onPeerMessage,
    }),
    [state, localStream, remoteStream, micOn, cameraOn, remoteMedia, channelOpen, quality, relayAvailable, start, next, stop, toggleMic, toggleCamera, solveCaptcha, sendToPeer, onPeerMessage],
  );
}
