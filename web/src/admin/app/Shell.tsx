// The signed-in frame: navigation (with the queue counts), who is signed in,
// when the session ends, sign out. Composition and markup only.
import type { ReactNode } from 'react';
import { FlagIcon, Logo } from '../../components/icons';
import { useNow } from '../../components/use-now';
import { AppLink } from '../components/app-link';
import { BanIcon, EyeIcon, GaugeIcon, ListIcon, LogoutIcon, ScaleIcon, SearchIcon, UsersIcon } from '../components/admin-icons';
import type { Route } from '../lib/router';
import type { SessionState } from '../lib/session';
import type { Stats } from '../lib/types';

type Page = Route['page'];

const NAV: { page: Page; to: Route; label: string; icon: (p: { className?: string }) => ReactNode; adminOnly?: boolean }[] = [
  { page: 'dashboard', to: { page: 'dashboard' }, label: 'Dashboard', icon: GaugeIcon },
  { page: 'reports', to: { page: 'reports', reportId: null }, label: 'Reports', icon: FlagIcon },
  { page: 'blocks', to: { page: 'blocks' }, label: 'Blocks', icon: BanIcon },
  { page: 'appeals', to: { page: 'appeals' }, label: 'Appeals', icon: ScaleIcon },
  { page: 'reputation', to: { page: 'reputation', ip: null, device: null }, label: 'Reputation', icon: SearchIcon },
  { page: 'watch-list', to: { page: 'watch-list' }, label: 'Watch list', icon: EyeIcon },
  { page: 'audit', to: { page: 'audit', target: null }, label: 'Audit log', icon: ListIcon },
  { page: 'accounts', to: { page: 'accounts' }, label: 'Accounts', icon: UsersIcon, adminOnly: true },
];

function countFor(page: Page, stats: Stats | null): number | null {
  if (!stats) return null;
  if (page === 'reports') return stats.moderation.pendingReports;
  if (page === 'appeals') return stats.moderation.openAppeals;
  return null;
}

function remaining(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function Shell({
  session,
  route,
  stats,
  onSignOut,
  children,
}: {
  session: Extract<SessionState, { kind: 'signed-in' }>;
  route: Route;
  stats: Stats | null;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const now = useNow(true, 1000);
  const left = session.expiresAt - now;
  return (
    <div className="min-h-dvh lg:grid lg:grid-cols-[15rem_minmax(0,1fr)]">
      <aside className="border-b border-white/5 bg-zinc-950 lg:sticky lg:top-0 lg:h-dvh lg:border-r lg:border-b-0">
        <div className="flex items-center gap-2 px-4 py-4 lg:px-5 lg:py-5">
          <Logo className="h-8 w-8" />
          <div className="leading-tight">
            <p className="text-base font-semibold tracking-tight text-zinc-100">Serendip</p>
            <p className="text-xs text-violet-300">Moderation</p>
          </div>
        </div>
        <nav aria-label="Admin" className="px-2 pb-3 lg:px-3">
          <ul className="flex gap-1 overflow-x-auto lg:flex-col">
            {NAV.filter((n) => !n.adminOnly || session.role === 'admin').map((n) => {
              const current = route.page === n.page;
              const count = countFor(n.page, stats);
              const Icon = n.icon;
              return (
                <li key={n.page}>
                  <AppLink
                    to={n.to}
                    aria-current={current ? 'page' : undefined}
                    className={`flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-violet-400 ${
                      current ? 'bg-violet-500/15 text-violet-100' : 'text-zinc-400 hover:bg-white/5 hover:text-zinc-100'
                    }`}
                  >
                    <Icon className="h-4 w-4 shrink-0" />
                    <span className="flex-1">{n.label}</span>
                    {count !== null && count > 0 && (
                      <span className="rounded-full bg-amber-500/20 px-1.5 text-xs text-amber-100 tabular-nums">
                        <span className="sr-only">(</span>
                        {count}
                        <span className="sr-only"> open)</span>
                      </span>
                    )}
                  </AppLink>
                </li>
              );
            })}
          </ul>
        </nav>
      </aside>

      <div className="min-w-0">
        <header className="flex flex-wrap items-center justify-end gap-x-4 gap-y-2 border-b border-white/5 px-4 py-3 sm:px-8">
          <p className={`text-xs ${left < 120_000 ? 'text-amber-200' : 'text-zinc-400'}`}>
            Session ends in <span className="tabular-nums">{remaining(left)}</span>
          </p>
          <p className="flex items-center gap-2 text-sm text-zinc-300">
            <span className="font-medium text-zinc-100">{session.username}</span>
            <span className="rounded-full bg-white/10 px-2 py-0.5 text-xs text-zinc-300">{session.role}</span>
          </p>
          <button
            type="button"
            onClick={onSignOut}
            className="flex items-center gap-2 rounded-lg px-3 py-1.5 text-sm text-zinc-300 hover:bg-white/10 hover:text-white focus-visible:outline-2 focus-visible:outline-violet-400"
          >
            <LogoutIcon className="h-4 w-4" />
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none sm:px-8 sm:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}
