import type { ReactNode } from 'react';
import { GearIcon, Logo } from '../components/icons';
import { Tooltip } from '../components/tooltip';
import { useI18n } from '../i18n/i18n-context';

export function Header({ center, right, onSettings }: { center?: ReactNode; right?: ReactNode; onSettings: () => void }) {
  const { t } = useI18n();
  return (
    <header className="flex items-center gap-3 px-3 py-3 sm:px-5">
      <a href="/" className="flex shrink-0 items-center gap-2 rounded-lg focus-visible:outline-2 focus-visible:outline-violet-400" aria-label={t.appName}>
        <Logo className="h-8 w-8" />
        <span className="hidden text-lg font-semibold tracking-tight text-zinc-100 sm:inline">{t.appName}</span>
      </a>
      <div className="flex min-w-0 flex-1 justify-center">{center}</div>
      <div className="flex shrink-0 items-center gap-2">
        {right}
        <Tooltip label={t.settings} side="bottom">
          <button
            type="button"
            onClick={onSettings}
            data-landing="settings"
            aria-label={t.settings}
            className="grid h-10 w-10 place-items-center rounded-full bg-zinc-900/80 text-zinc-300 ring-1 ring-white/10 hover:bg-zinc-800 hover:text-white aria-busy:cursor-progress aria-busy:opacity-70 focus-visible:outline-2 focus-visible:outline-violet-400"
          >
            <GearIcon className="h-5 w-5" />
          </button>
        </Tooltip>
      </div>
    </header>
  );
}
