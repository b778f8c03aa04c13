import { useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../../i18n/i18n-context';
import { addInterests, MAX_INTERESTS } from '../preferences';
import { TagChip } from './TagChip';

export function InterestInput({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');

  const commit = () => {
    if (!draft.trim()) return;
    onChange(addInterests(value, draft));
    setDraft('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      commit();
    } else if (e.key === 'Backspace' && !draft && value.length) {
      onChange(value.slice(0, -1));
    }
  };

  return (
    <div className="space-y-2">
      <label htmlFor="interests" className="text-sm font-medium text-zinc-200">
        {t.interests} <span className="font-normal text-zinc-400">({t.interestsOptional})</span>
      </label>
      <div data-landing="interests" className="flex flex-wrap items-center gap-2 rounded-2xl bg-zinc-800/60 p-2 ring-1 ring-white/10 focus-within:ring-2 focus-within:ring-violet-400">
        {value.map((tag) => (
          <TagChip key={tag} text={'#' + tag} removeLabel={t.removeInterest(tag)} onRemove={() => onChange(value.filter((x) => x !== tag))} />
        ))}
        <input
          id="interests"
          type="text"
          value={draft}
          disabled={value.length >= MAX_INTERESTS}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          onBlur={commit}
          placeholder={value.length ? '' : t.interestsPlaceholder}
          aria-describedby="interests-hint"
          autoComplete="off"
          enterKeyHint="done"
          className="min-w-[8rem] flex-1 bg-transparent px-1 py-1 text-sm text-zinc-100 placeholder:text-zinc-500 focus:outline-none"
        />
      </div>
      <p id="interests-hint" className="text-xs text-zinc-400">
        {t.interestsHint}
      </p>
    </div>
  );
}
