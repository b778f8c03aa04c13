import { useState, type FormEvent, type ReactNode } from 'react';
import { CheckIcon, ShieldIcon } from '../../../components/icons';
import { useI18n } from '../../../i18n/i18n-context';
import type { MatchPreferences } from '../preferences';
import { InterestInput } from './InterestInput';
import { LanguagePicker } from './LanguagePicker';
import { ModePicker } from './ModePicker';

export function LandingPage({
  preferences,
  onChange,
  onStart,
  header,
  notice,
}: {
  preferences: MatchPreferences;
  onChange: (patch: Partial<MatchPreferences>) => void;
  onStart: () => void;
  header: ReactNode;
  notice?: ReactNode;
}) {
  const { t } = useI18n();
  const [tried, setTried] = useState(false);
  const problem = !preferences.adultConfirmed ? t.adultRequired : preferences.languages.length === 0 ? t.languagesRequired : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!problem) onStart();
  };

  return (
    <div className="relative min-h-dvh overflow-x-hidden">
      <div aria-hidden="true" className="pointer-events-none absolute inset-0 -z-10">
        <div className="absolute -left-32 -top-40 h-[28rem] w-[28rem] rounded-full bg-violet-600/25 blur-3xl" />
        <div className="absolute -right-24 top-1/3 h-[24rem] w-[24rem] rounded-full bg-fuchsia-500/15 blur-3xl" />
      </div>
      {header}
      <main className="mx-auto grid max-w-6xl gap-10 px-4 pb-16 pt-6 sm:px-6 lg:grid-cols-[1.1fr_1fr] lg:items-center lg:gap-16 lg:pt-16">
        <section className="space-y-6">
          <h1 className="bg-gradient-to-br from-white via-violet-100 to-fuchsia-200 bg-clip-text text-4xl font-bold tracking-tight text-transparent sm:text-6xl">
            {t.heroTitle}
          </h1>
          <p className="max-w-xl text-base leading-relaxed text-zinc-300 sm:text-lg">{t.heroText}</p>
          <div className="hidden max-w-xl rounded-2xl bg-zinc-900/60 p-5 ring-1 ring-white/10 lg:block">
            <Rules />
          </div>
          <p className="flex max-w-xl items-start gap-2 text-sm text-zinc-400">
            <ShieldIcon className="mt-0.5 h-4 w-4 shrink-0 text-emerald-400" />
            {t.privacyNote}
          </p>
        </section>

        <form
          data-landing="form"
          onSubmit={submit}
          noValidate
          className="space-y-5 rounded-3xl bg-zinc-900/80 p-5 shadow-2xl ring-1 ring-white/10 backdrop-blur sm:p-7"
        >
          {notice}
          <ModePicker value={preferences.mode} onChange={(mode) => onChange({ mode })} />
          <LanguagePicker value={preferences.languages} onChange={(languages) => onChange({ languages })} />
          <InterestInput value={preferences.interests} onChange={(interests) => onChange({ interests })} />
          <div className="rounded-2xl bg-zinc-950/40 p-4 ring-1 ring-white/5 lg:hidden">
            <Rules />
          </div>
          <div className="flex items-center gap-3">
            <span className="relative grid h-6 w-6 shrink-0 place-items-center">
              <input
                id="adult"
                type="checkbox"
                checked={preferences.adultConfirmed}
                onChange={(e) => onChange({ adultConfirmed: e.target.checked })}
                aria-describedby={tried && problem === t.adultRequired ? 'start-problem' : undefined}
                className="peer h-6 w-6 cursor-pointer appearance-none rounded-lg bg-zinc-800 ring-1 ring-white/20 checked:bg-violet-500 checked:ring-violet-400 focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-400"
              />
              <CheckIcon className="pointer-events-none absolute hidden h-4 w-4 text-white peer-checked:block" />
            </span>
            <label htmlFor="adult" className="cursor-pointer text-sm font-medium text-zinc-100">
              {t.adult}
            </label>
          </div>
          {tried && problem && (
            <p id="start-problem" role="alert" className="text-sm text-rose-300">
              {problem}
            </p>
          )}
          <button
            type="submit"
            data-landing="start"
            className="w-full rounded-2xl bg-gradient-to-r from-violet-600 to-fuchsia-700 px-6 py-4 text-lg font-semibold text-white shadow-lg shadow-violet-900/40 transition hover:brightness-110 aria-busy:cursor-progress aria-busy:opacity-70 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-violet-300 active:scale-[0.99]"
          >
            {t.start}
          </button>
          <p className="text-center text-xs text-zinc-400">{t.agreeNote}</p>
        </form>
      </main>
      <footer className="mx-auto max-w-6xl px-4 pb-8 text-sm sm:px-6">
        <a
          href="/privacy.html"
          className="rounded text-zinc-400 underline underline-offset-4 hover:text-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-violet-400"
        >
          {t.privacyPage}
        </a>
      </footer>
    </div>
  );
}

function Rules() {
  const { t } = useI18n();
  return (
    <>
      <h2 className="mb-2 text-sm font-semibold text-zinc-200">{t.rulesTitle}</h2>
      <ul className="space-y-1.5 text-sm text-zinc-400">
        {t.rules.map((r) => (
          <li key={r} className="flex gap-2">
            <span aria-hidden="true" className="mt-2 h-1.5 w-1.5 shrink-0 rounded-full bg-violet-400" />
            {r}
          </li>
        ))}
      </ul>
    </>
  );
}
