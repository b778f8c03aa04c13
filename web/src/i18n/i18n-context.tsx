import { createContext, useContext, type ReactNode } from 'react';
import { UI_LANGUAGES, type Messages, type UiLanguage } from './index';

interface I18n {
  t: Messages;
  lang: UiLanguage;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ lang, children }: { lang: UiLanguage; children: ReactNode }) {
  return <I18nContext.Provider value={{ t: UI_LANGUAGES[lang], lang }}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
