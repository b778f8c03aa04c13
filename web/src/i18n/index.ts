// Picks the interface language and names languages for display.
import { de } from './de';
import { en, type Messages } from './en';
import { es } from './es';

export type { Messages };

export const UI_LANGUAGES = { en, es, de } as const;
export type UiLanguage = keyof typeof UI_LANGUAGES;
export const UI_LANGUAGE_NAMES: Record<UiLanguage, string> = { en: 'English', es: 'Español', de: 'Deutsch' };

export function isUiLanguage(v: unknown): v is UiLanguage {
  return typeof v === 'string' && v in UI_LANGUAGES;
}

/** The first of the browser's preferred languages we have strings for, else English. */
export function pickUiLanguage(preferred: readonly string[]): UiLanguage {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isUiLanguage(primary)) return primary;
  }
  return 'en';
}

/** A language's own name shown in the interface language ("German" / "alemán"). */
export function languageName(code: string, uiLanguage: UiLanguage): string {
  try {
    const name = new Intl.DisplayNames([uiLanguage], { type: 'language' }).of(code);
    if (name && name !== code) return name.charAt(0).toUpperCase() + name.slice(1);
  } catch {
    // unknown code
  }
  return code;
}

/** 75 s -> "1:15". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
}

export function formatList(items: readonly string[], uiLanguage: UiLanguage): string {
  try {
    return new Intl.ListFormat(uiLanguage, { style: 'long', type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}
