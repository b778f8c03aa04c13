// Binds one session's chat and reactions to React. The transport (the call's
// data channel) comes in as functions, so this feature knows nothing of WebRTC.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PeerMessage, Reaction } from '../../lib/webrtc/peer-messages';
import { addReaction, appendLine, expireReactions, outgoingText, REACTION_LIFETIME_MS, type ChatLine, type FloatingReaction } from './chat-log';

type ChatMessage = Exclude<PeerMessage, { t: 'media' }>;

export interface ChatTransport {
  /** Changes whenever a new stranger arrives: the transcript starts over. */
  sessionKey: string | null;
  send: (m: ChatMessage) => boolean;
  subscribe: (listener: (m: ChatMessage) => void) => () => void;
}

export function useChat({ sessionKey, send, subscribe }: ChatTransport) {
  const [lines, setLines] = useState<ChatLine[]>([]);
  const [reactions, setReactions] = useState<FloatingReaction[]>([]);
  const seq = useRef(0);

  useEffect(() => {
    setLines([]);
    setReactions([]);
  }, [sessionKey]);

  const float = useCallback((from: 'me' | 'peer', emoji: Reaction) => {
    const at = Date.now();
    setReactions((list) => addReaction(list, { id: ++seq.current, from, emoji, at, x: 15 + Math.random() * 70 }));
    setTimeout(() => setReactions((list) => expireReactions(list, Date.now())), REACTION_LIFETIME_MS + 50);
  }, []);

  useEffect(
    () =>
      subscribe((m) => {
        if (m.t === 'chat') setLines((l) => appendLine(l, { id: ++seq.current, from: 'peer', text: m.text, at: Date.now() }));
        else float('peer', m.emoji);
      }),
    [subscribe, float],
  );

  const sendText = useCallback(
    (draft: string): boolean => {
      const text = outgoingText(draft);
      if (!text || !send({ t: 'chat', text })) return false;
      setLines((l) => appendLine(l, { id: ++seq.current, from: 'me', text, at: Date.now() }));
      return true;
    },
    [send],
  );

  const sendReaction = useCallback(
    (emoji: Reaction) => {
      if (send({ t: 'reaction', emoji })) float('me', emoji);
    },
    [send, float],
  );

  return { lines, reactions, sendText, sendReaction };
}
