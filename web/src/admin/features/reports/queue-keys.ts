// Keyboard triage of the report queue: which key does what, and where the
// selection goes. Pure.

export type QueueCommand = 'next' | 'previous' | 'accept' | 'reject' | 'note';

export const SHORTCUTS: { keys: string[]; command: QueueCommand; label: string }[] = [
  { keys: ['j', 'ArrowDown'], command: 'next', label: 'Next report' },
  { keys: ['k', 'ArrowUp'], command: 'previous', label: 'Previous report' },
  { keys: ['a'], command: 'accept', label: 'Accept with the block options shown' },
  { keys: ['r'], command: 'reject', label: 'Reject' },
  { keys: ['n'], command: 'note', label: 'Write a note' },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const NOT_TYPING_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit']);

/** The command for a keydown, or null (modifiers held, or typing into a field). */
export function queueCommand(e: KeyLike): QueueCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const t = e.target;
  if (t?.isContentEditable) return null;
  if (t?.tagName && TYPING.has(t.tagName.toUpperCase())) {
    // Arrow keys move within selects and text; a checkbox does not take letters.
    if (!(t.tagName.toUpperCase() === 'INPUT' && t.type && NOT_TYPING_INPUTS.has(t.type))) return null;
  }
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return SHORTCUTS.find((s) => s.keys.includes(key))?.command ?? null;
}

/** The id `delta` steps from `current` (the first one when nothing is selected), clamped to the list. */
export function moveSelection(ids: number[], current: number | null, delta: number): number | null {
  if (ids.length === 0) return null;
  const i = current === null ? -1 : ids.indexOf(current);
  if (i < 0) return ids[0] ?? null;
  return ids[Math.min(ids.length - 1, Math.max(0, i + delta))] ?? null;
}

/** After `decided` leaves the list: the one that took its place, else the one before it, else none. */
export function nextAfter(ids: number[], decided: number): number | null {
  const i = ids.indexOf(decided);
  if (i < 0) return ids[0] ?? null;
  return ids[i + 1] ?? ids[i - 1] ?? null;
}
