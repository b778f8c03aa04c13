// What the user asks the matchmaker for (the `join` message), kept between
// visits: mode, languages (BCP-47 primary tags, at most 5) and interests
// (short lowercase tags, at most 10).
import type { Mode } from '../../lib/signaling/messages';

export interface MatchPreferences {
  mode: Mode;
  languages: string[];
  interests: string[];
  adultConfirmed: boolean;
}

export const PREFERENCES_KEY = 'serendip.preferences';
export const MAX_LANGUAGES = 5;
export const MAX_INTERESTS = 10;
export const MAX_INTEREST_CHARS = 32;

/** 'en-US' -> 'en'; null for anything that is not a language tag. */
export function primaryTag(tag: string): string | null {
  const p = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(p) ? p : null;
}

export function languagesFrom(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const p = primaryTag(t);
    if (p && !out.includes(p)) out.push(p);
    if (out.length === MAX_LANGUAGES) break;
  }
  return out;
}

/** '#Board Games ' -> 'board games'; null when nothing usable is left. */
export function normalizeInterest(raw: string): string | null {
  const t = raw
    .toLowerCase()
    .replace(/^#+/, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_INTEREST_CHARS)
    .trim();
  return t ? t : null;
}

/** Adds the comma-separated interests in `input` to `list`, skipping duplicates, up to the limit. */
export function addInterests(list: readonly string[], input: string): string[] {
  const out = [...list];
  for (const part of input.split(',')) {
    const tag = normalizeInterest(part);
    if (tag && !out.includes(tag) && out.length < MAX_INTERESTS) out.push(tag);
  }
  return out;
}

export function defaultPreferences(browserLanguages: readonly string[]): MatchPreferences {
  const languages = languagesFrom(browserLanguages);
  return { mode: 'video', languages: languages.length ? languages : ['en'], interests: [], adultConfirmed: false };
}

export function sanitizePreferences(raw: unknown, browserLanguages: readonly string[]): MatchPreferences {
  const d = defaultPreferences(browserLanguages);
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const languages = Array.isArray(r.languages) ? languagesFrom(r.languages.filter((x) => typeof x === 'string')) : [];
  const interests = Array.isArray(r.interests)
    ? addInterests([], r.interests.filter((x): x is string => typeof x === 'string').join(','))
    : [];
  return {
    mode: r.mode === 'text' ? 'text' : r.mode === 'video' ? 'video' : d.mode,
    languages: languages.length ? languages : d.languages,
    interests,
    adultConfirmed: r.adultConfirmed === true,
  };
}

/** A selection of languages offered in the "Add language" list. */
export const COMMON_LANGUAGES = [
  'en', 'es', 'de', 'fr', 'it', 'pt', 'nl', 'pl', 'ru', 'uk', 'tr', 'ar', 'hi', 'bn', 'ur', 'fa',
  'zh', 'ja', 'ko', 'vi', 'th', 'id', 'ms', 'tl', 'sv', 'no', 'da', 'fi', 'cs', 'el', 'he', 'ro', 'hu',
];
