import { describe, expect, it } from 'vitest';
import { en } from './en';
import { formatDuration, pickUiLanguage, UI_LANGUAGES } from './index';

describe('i18n', () => {
  it.each([
    [['de-AT', 'en'], 'de'],
    [['fr-FR', 'es-MX'], 'es'],
    [['pt-BR'], 'en'],
    [[], 'en'],
  ])('browser languages %j pick %s', (langs, expected) => {
    expect(pickUiLanguage(langs)).toBe(expected);
  });

  it.each(Object.entries(UI_LANGUAGES))('%s has every string, none empty', (_, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(messages)) {
      if (typeof value === 'string') expect(value, key).not.toBe('');
    }
    expect(messages.reactionNames).toHaveLength(en.reactionNames.length);
    expect(messages.rules.length).toBeGreaterThan(0);
  });

  it.each([
    [0, '0:00'],
    [59_999, '0:59'],
    [75_000, '1:15'],
    [3_725_000, '1:02:05'],
  ])('formatDuration(%i) = %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
