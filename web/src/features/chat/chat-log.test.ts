import { describe, expect, it } from 'vitest';
import { addReaction, appendLine, expireReactions, MAX_LINES, outgoingText, REACTION_LIFETIME_MS } from './chat-log';

describe('chat log', () => {
  it.each([
    ['  hi  ', 'hi'],
    ['', null],
    ['   \n ', null],
    ['x'.repeat(1200), 'x'.repeat(1000)],
  ])('outgoingText(%j)', (draft, expected) => {
    expect(outgoingText(draft)).toBe(expected);
  });

  it('keeps the last lines only', () => {
    let lines = appendLine([], { id: 0, from: 'me', text: 'a', at: 0 });
    for (let i = 1; i < MAX_LINES + 5; i++) lines = appendLine(lines, { id: i, from: 'peer', text: 'b', at: i });
    expect(lines).toHaveLength(MAX_LINES);
    expect(lines[0]!.id).toBe(5);
  });

  it('reactions float for a while and then go', () => {
    let list = addReaction([], { id: 1, from: 'me', emoji: '👍', at: 0, x: 10 });
    list = addReaction(list, { id: 2, from: 'peer', emoji: '🎉', at: 1000, x: 50 });
    expect(expireReactions(list, REACTION_LIFETIME_MS - 1).map((r) => r.id)).toEqual([1, 2]);
    expect(expireReactions(list, REACTION_LIFETIME_MS).map((r) => r.id)).toEqual([2]);
    expect(expireReactions(list, 1000 + REACTION_LIFETIME_MS)).toEqual([]);
  });
});
