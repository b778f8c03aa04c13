// Picks the interface language and names languages for display.
import { de } from './de';
import { en, type Messages } from './en';
import { es } from './es';

import type { UiLanguage } from './languages';

export type { Messages };
export { isUiLanguage, languageName, pickUiLanguage, UI_LANGUAGE_CODES, type UiLanguage } from './languages';

export const UI_LANGUAGES: Record<UiLanguage, Messages> = { en, es, de };
export const UI_LANGUAGE_NAMES: Record<UiLanguage, string> = { en: 'English', es: 'Español', de: 'Deutsch' };

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
