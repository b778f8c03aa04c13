// The chat transcript and the floating reactions of one session, as plain
// data with pure updates (the hook only binds them to React).
import { MAX_CHAT_CHARS, type Reaction } from '../../lib/webrtc/peer-messages';

export type Author = 'me' | 'peer';

export interface ChatLine {
  id: number;
  from: Author;
  text: string;
  at: number;
}

export interface FloatingReaction {
  id: number;
  from: Author;
  emoji: Reaction;
  at: number;
  /** Horizontal position in percent, so bursts do not stack on one spot. */
  x: number;
}

export const MAX_LINES = 200;
export const REACTION_LIFETIME_MS = 3000;
export const MAX_FLOATING = 12;

/** Trimmed text to send, or null if there is nothing to send. */
export function outgoingText(draft: string): string | null {
  const t = draft.trim();
  return t ? t.slice(0, MAX_CHAT_CHARS) : null;
}

export function appendLine(lines: readonly ChatLine[], line: ChatLine): ChatLine[] {
  const out = [...lines, line];
  return out.length > MAX_LINES ? out.slice(out.length - MAX_LINES) : out;
}

export function addReaction(list: readonly FloatingReaction[], r: FloatingReaction): FloatingReaction[] {
  const live = list.filter((x) => r.at - x.at < REACTION_LIFETIME_MS);
  return [...live, r].slice(-MAX_FLOATING);
}

export function expireReactions(list: readonly FloatingReaction[], now: number): FloatingReaction[] {
  const live = list.filter((x) => now - x.at < REACTION_LIFETIME_MS);
  return live.length === list.length ? (list as FloatingReaction[]) : live;
}
