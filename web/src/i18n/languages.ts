// Which interface languages exist and which one a browser gets, without their
// strings: the prerendered landing page's script decides with this whether the
// English markup can stay, and must not carry every language's strings.
export const UI_LANGUAGE_CODES = ['en', 'es', 'de'] as const;
export type UiLanguage = (typeof UI_LANGUAGE_CODES)[number];

export function isUiLanguage(v: unknown): v is UiLanguage {
  return typeof v === 'string' && (UI_LANGUAGE_CODES as readonly string[]).includes(v);
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
