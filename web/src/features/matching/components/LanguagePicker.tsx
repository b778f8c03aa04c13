import { languageName } from '../../../i18n';
import { useI18n } from '../../../i18n/i18n-context';
import { COMMON_LANGUAGES, MAX_LANGUAGES } from '../preferences';
import { TagChip } from './TagChip';

export function LanguagePicker({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const { t, lang } = useI18n();
  const choices = COMMON_LANGUAGES.filter((c) => !value.includes(c))
    .map((c) => ({ code: c, name: languageName(c, lang) }))
    .sort((a, b) => a.name.localeCompare(b.name, lang));
  return (
    <div className="space-y-2">
      <span id="languages-label" className="text-sm font-medium text-zinc-200">
        {t.languages}
      </span>
      <div role="group" aria-labelledby="languages-label" data-landing="languages" className="flex flex-wrap items-center gap-2">
        {value.map((code) => (
          <TagChip
            key={code}
            text={languageName(code, lang)}
            removeLabel={t.removeLanguage(languageName(code, lang))}
            onRemove={() => onChange(value.filter((c) => c !== code))}
          />
        ))}
        {value.length < MAX_LANGUAGES && (
          <select
            data-landing="add-language"
            aria-label={t.addLanguage}
            value=""
            onChange={(e) => e.target.value && onChange([...value, e.target.value])}
            className="rounded-full bg-transparent px-3 py-1 text-sm text-violet-300 ring-1 ring-dashed ring-violet-400/50 hover:bg-violet-500/10 focus:outline-2 focus:outline-violet-400"
          >
            <option value="">{'+ ' + t.addLanguagePlaceholder}</option>
            {choices.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </div>
    </div>
  );
}
