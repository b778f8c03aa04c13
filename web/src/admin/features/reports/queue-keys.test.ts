import { describe, expect, it } from 'vitest';
import { moveSelection, nextAfter, queueCommand, type KeyLike } from './queue-keys';

const key = (k: string, over: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, target: { tagName: 'BODY' }, ...over });

describe('queueCommand', () => {
  it.each<[KeyLike, string | null]>([
    [key('j'), 'next'],
    [key('J'), 'next'],
    [key('ArrowDown'), 'next'],
    [key('k'), 'previous'],
    [key('ArrowUp'), 'previous'],
    [key('a'), 'accept'],
    [key('r'), 'reject'],
    [key('n'), 'note'],
    [key('x'), null],
    [key('r', { ctrlKey: true }), null], // reload stays the browser's
    [key('a', { metaKey: true }), null],
    [key('a', { target: { tagName: 'TEXTAREA' } }), null], // typing a note
    [key('j', { target: { tagName: 'INPUT', type: 'text' } }), null],
    [key('ArrowDown', { target: { tagName: 'SELECT' } }), null],
    [key('a', { target: { tagName: 'INPUT', type: 'checkbox' } }), 'accept'],
    [key('a', { target: { tagName: 'DIV', isContentEditable: true } }), null],
  ])('%j -> %s', (e, command) => expect(queueCommand(e)).toBe(command));
});

describe('selection', () => {
  it.each<[number[], number | null, number, number | null]>([
    [[], null, 1, null],
    [[5, 6, 7], null, 1, 5],
    [[5, 6, 7], 5, 1, 6],
    [[5, 6, 7], 7, 1, 7],
    [[5, 6, 7], 5, -1, 5],
    [[5, 6, 7], 99, -1, 5],
  ])('moveSelection(%j, %s, %i) = %s', (ids, cur, d, expected) => expect(moveSelection(ids, cur, d)).toBe(expected));

  it.each<[number[], number, number | null]>([
    [[5, 6, 7], 5, 6],
    [[5, 6, 7], 7, 6],
    [[5], 5, null],
    [[5, 6], 9, 5],
  ])('nextAfter(%j, %i) = %s', (ids, decided, expected) => expect(nextAfter(ids, decided)).toBe(expected));
});
