// What the two browsers say to each other over the RTCDataChannel: chat,
// reactions and whether mic/camera are on. Peer to peer, never through the
// server. The other side is a stranger: everything is validated on receipt.

export const REACTIONS = ['👍', '😂', '❤️', '😮', '👋', '🎉'] as const;
export type Reaction = (typeof REACTIONS)[number];

export const MAX_CHAT_CHARS = 1000;

export type PeerMessage =
  | { t: 'chat'; text: string }
  | { t: 'reaction'; emoji: Reaction }
  | { t: 'media'; audio: boolean; video: boolean };

export function encodePeerMessage(m: PeerMessage): string {
  return JSON.stringify(m);
}

export function decodePeerMessage(data: unknown): PeerMessage | null {
  if (typeof data !== 'string' || data.length > 8 * 1024) return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  switch (m.t) {
    case 'chat': {
      if (typeof m.text !== 'string') return null;
      const text = m.text.trim().slice(0, MAX_CHAT_CHARS);
      return text ? { t: 'chat', text } : null;
    }
    case 'reaction':
      return (REACTIONS as readonly unknown[]).includes(m.emoji) ? { t: 'reaction', emoji: m.emoji as Reaction } : null;
    case 'media':
      return typeof m.audio === 'boolean' && typeof m.video === 'boolean'
        ? { t: 'media', audio: m.audio, video: m.video }
        : null;
    default:
      return null;
  }
}
