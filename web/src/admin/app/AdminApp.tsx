// Composition root of the moderators' dashboard: creates the services, shows
// the login page or the signed-in shell with the page the route names. The
// live figures are polled here, for the dashboard and the navigation's counts.
import { useEffect, useRef, useState } from 'react';
import { EmptyState, PageHeader } from '../components/ui';
import { AccountsPage } from '../features/accounts/components/AccountsPage';
import { AppealsPage } from '../features/appeals/components/AppealsPage';
import { AuditPage } from '../features/audit/components/AuditPage';
import { BlocksPage } from '../features/blocks/components/BlocksPage';
import { DashboardPage } from '../features/dashboard/components/DashboardPage';
import { LoginPage } from '../features/login/components/LoginPage';
import { ReportsPage } from '../features/reports/components/ReportsPage';
import { ReputationPage } from '../features/reputation/components/ReputationPage';
import { WatchListPage } from '../features/watch-list/components/WatchListPage';
import type { ResourceState } from '../lib/resource';
import type { Route } from '../lib/router';
import { ServicesProvider, useRoute, useServices, useSession } from '../lib/services-context';
import type { SessionState } from '../lib/session';
import type { Stats } from '../lib/types';
import { useResource } from '../lib/use-resource';
import { createBrowserServices } from './services';
import { Shell } from './Shell';

export const STATS_REFRESH_MS = 5000;

const TITLES: Record<Route['page'], string> = {
  dashboard: 'Dashboard',
  reports: 'Reports',
  blocks: 'Blocks',
  appeals: 'Appeals',
  reputation: 'Reputation',
  'watch-list': 'Watch list',
  audit: 'Audit log',
  accounts: 'Accounts',
  'not-found': 'Not found',
};

export function AdminApp() {
  const [services] = useState(createBrowserServices);
  return (
    <ServicesProvider services={services}>
      <Root />
    </ServicesProvider>
  );
}

function Root() {
  const session = useSession();
  const route = useRoute();
  useEffect(() => {
    document.title = (session.kind === 'signed-in' ? TITLES[route.page] : 'Sign in') + ' · Serendip moderation';
  }, [session.kind, route.page]);
  if (session.kind === 'signed-out') return <LoginPage reason={session.reason} />;
  return <SignedIn session={session} route={route} />;
}

function SignedIn({ session, route }: { session: Extract<SessionState, { kind: 'signed-in' }>; route: Route }) {
  const { api, session: store, changes } = useServices();
  // The server revokes the token (and the account's other sign-ins); the page
  // signs out at once either way (the request took the token before that).
  const signOut = () => {
    void api.logout().catch(() => undefined);
    store.signOut('signed-out');
  };
  const stats = useResource('stats', () => api.stats(), STATS_REFRESH_MS);
  const reloadStats = stats.reload;
  useEffect(() => changes.subscribe(() => void reloadStats()), [changes, reloadStats]);

  // After navigating, move focus to the page (not on first load) so keyboard and screen reader users start there.
  const first = useRef(true);
  const pageKey = route.page;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [pageKey]);

  return (
    <Shell session={session} route={route} stats={stats.data} onSignOut={signOut}>
      <Page route={route} stats={stats} role={session.role} />
    </Shell>
  );
}

function Page({ route, stats, role }: { route: Route; stats: ResourceState<Stats>; role: string }) {
  switch (route.page) {
    case 'dashboard':
      return <DashboardPage stats={stats} />;
    case 'reports':
      return <ReportsPage reportId={route.reportId} pending={stats.data?.moderation.pendingReports ?? null} />;
    case 'blocks':
      return <BlocksPage />;
    case 'appeals':
      return <AppealsPage open={stats.data?.moderation.openAppeals ?? null} />;
    case 'reputation':
      return <ReputationPage key={`${route.ip}|${route.device}`} ip={route.ip} device={route.device} />;
    case 'watch-list':
      return <WatchListPage />;
    case 'audit':
      return <AuditPage key={route.target ?? ''} target={route.target} />;
    case 'accounts':
      return role === 'admin' ? (
        <AccountsPage />
      ) : (
        <>
          <PageHeader title="Accounts" />
          <EmptyState>Only admins can manage accounts.</EmptyState>
        </>
      );
    default:
      return (
        <>
          <PageHeader title="Not found" />
          <EmptyState>There is no such page. Use the navigation on the left.</EmptyState>
        </>
      );
  }
}
