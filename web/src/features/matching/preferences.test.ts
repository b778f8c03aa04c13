import { describe, expect, it } from 'vitest';
import { addInterests, languagesFrom, normalizeInterest, sanitizePreferences } from './preferences';

describe('match preferences', () => {
  it.each([
    [['en-US', 'en-GB', 'de'], ['en', 'de']],
    [['zh-Hans-CN', 'fr_CA'], ['zh', 'fr']],
    [['x', '', 'toolong-tag', 'es'], ['es']],
    [['a1', 'en', 'de', 'fr', 'it', 'pt', 'nl'], ['en', 'de', 'fr', 'it', 'pt']],
  ])('languagesFrom(%j) = %j', (tags, expected) => {
    expect(languagesFrom(tags)).toEqual(expected);
  });

  it.each([
    ['#Chess', 'chess'],
    ['  Board   Games ', 'board games'],
    ['<script>', 'script'],
    ['🎸', null],
    ['x'.repeat(40), 'x'.repeat(32)],
  ])('normalizeInterest(%j) = %j', (raw, expected) => {
    expect(normalizeInterest(raw)).toBe(expected);
  });

  it('adds comma separated interests without duplicates, at most 10', () => {
    expect(addInterests(['chess'], 'Chess, music,, travel')).toEqual(['chess', 'music', 'travel']);
    const many = addInterests([], Array.from({ length: 15 }, (_, i) => 't' + i).join(','));
    expect(many).toHaveLength(10);
  });

  it.each([
    [undefined, { mode: 'video', languages: ['de'], interests: [], adultConfirmed: false }],
    [{ mode: 'text', languages: ['en'], interests: ['Go'], adultConfirmed: true }, { mode: 'text', languages: ['en'], interests: ['go'], adultConfirmed: true }],
    [{ mode: 'audio', languages: 'en', interests: [1, 2] }, { mode: 'video', languages: ['de'], interests: [], adultConfirmed: false }],
  ])('sanitizePreferences(%j)', (raw, expected) => {
    expect(sanitizePreferences(raw, ['de-DE'])).toEqual(expected);
  });
});
