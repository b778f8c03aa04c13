import type { ReactNode } from 'react';
import { useNow } from '../../../../components/use-now';
import { AppLink } from '../../../components/app-link';
import { Card, EmptyState, ErrorNote, PageHeader, Table, cell } from '../../../components/ui';
import { formatAge, formatNumber, formatRate, formatWait } from '../../../lib/format';
import type { ResourceState } from '../../../lib/resource';
import type { Stats } from '../../../lib/types';
import { useMatchWaitHeatmap } from '../use-dashboard';
import { MatchWaitHeatmap } from './MatchWaitHeatmap';

function Stat({ label, value, hint, href }: { label: string; value: ReactNode; hint?: ReactNode; href?: ReactNode }) {
  return (
    <div role="group" aria-label={label} className="rounded-2xl bg-zinc-900/70 p-4 ring-1 ring-white/10">
      <p className="text-xs font-medium text-zinc-400">{label}</p>
      <p className="mt-2 text-2xl font-semibold tracking-tight text-zinc-50 tabular-nums">{value}</p>
      {(hint || href) && <p className="mt-1 text-xs text-zinc-400">{href ?? hint}</p>}
    </div>
  );
}

function LiveBadge({ stats, now }: { stats: ResourceState<Stats>; now: number }) {
  const stale = stats.error !== null;
  return (
    <p className="flex items-center gap-2 text-xs text-zinc-400" aria-live="off">
      <span className={`h-2 w-2 rounded-full ${stale ? 'bg-amber-400' : 'animate-pulse bg-emerald-400'}`} aria-hidden="true" />
      {stats.updatedAt === null ? 'Loading…' : `${stale ? 'Not updating · last update' : 'Live · updated'} ${formatAge(stats.updatedAt, now)}${formatAge(stats.updatedAt, now) === 'just now' ? '' : ' ago'}`}
    </p>
  );
}

export function DashboardPage({ stats }: { stats: ResourceState<Stats> }) {
  const now = useNow(true, 1000);
  const { heatmap, grid, metric, setMetric } = useMatchWaitHeatmap();
  const s = stats.data;
  const queues = s ? [...s.queues].sort((a, b) => b.waiting - a.waiting || a.mode.localeCompare(b.mode) || a.language.localeCompare(b.language)) : [];
  const waiting = queues.reduce((n, q) => n + q.waiting, 0);

  return (
    <>
      <PageHeader title="Dashboard" description="What is happening on Serendip right now." actions={<LiveBadge stats={stats} now={now} />} />
      {stats.error && <ErrorNote error={stats.error} />}

      <div className="mt-4 grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
        <Stat label="Online users" value={formatNumber(s?.onlineUsers)} hint="connected right now" />
        <Stat label="Active sessions" value={formatNumber(s?.activeSessions)} hint="pairs in a call" />
        <Stat label="Waiting" value={formatNumber(s ? waiting : null)} hint="in all queues" />
        <Stat label="Matches per minute" value={formatNumber(s?.matchesPerMinute, 1)} hint="over the last minute" />
        <Stat label="p95 match wait" value={formatWait(s?.p95MatchWaitMs)} hint="95% were matched faster" />
        <Stat label="ICE success rate" value={formatRate(s?.iceSuccessRate)} hint="calls that connected" />
        <Stat label="TURN share" value={formatRate(s?.turnShare)} hint="calls relayed by TURN" />
        <Stat label="Shield rate" value={formatRate(s?.shieldRate)} hint="calls a viewer's safety shield hid" />
        <Stat
          label="Reports pending"
          value={formatNumber(s?.moderation.pendingReports)}
          href={
            <AppLink to={{ page: 'reports', reportId: null }} className="text-violet-300 hover:text-violet-200">
              Open the queue →
            </AppLink>
          }
        />
        <Stat
          label="Open appeals"
          value={formatNumber(s?.moderation.openAppeals)}
          href={
            <AppLink to={{ page: 'appeals' }} className="text-violet-300 hover:text-violet-200">
              Review appeals →
            </AppLink>
          }
        />
        <Stat
          label="Active blocks"
          value={formatNumber(s?.moderation.activeBlocks)}
          href={
            <AppLink to={{ page: 'blocks' }} className="text-violet-300 hover:text-violet-200">
              Manage blocks →
            </AppLink>
          }
        />
      </div>

      <div className="mt-6 grid gap-6 xl:grid-cols-[minmax(0,20rem)_minmax(0,1fr)]">
        <Card title="Waiting by mode and language">
          {queues.length === 0 ? (
            <EmptyState>Nobody is waiting for a match.</EmptyState>
          ) : (
            <Table label="Waiting by mode and language" head={['Mode', 'Language', 'Waiting']}>
              {queues.map((q) => (
                <tr key={q.mode + q.language}>
                  <td className={cell + ' capitalize'}>{q.mode}</td>
                  <td className={cell + ' font-mono'}>{q.language}</td>
                  <td className={cell + ' tabular-nums'}>{formatNumber(q.waiting)}</td>
                </tr>
              ))}
            </Table>
          )}
        </Card>
        <Card title="Match wait by region and hour of day">
          {heatmap.error && <ErrorNote error={heatmap.error} />}
          {grid === null ? (
            !heatmap.error && <p className="text-sm text-zinc-400">Loading…</p>
          ) : grid.regions.length === 0 ? (
            <EmptyState>No matches recorded since the server started.</EmptyState>
          ) : (
            <MatchWaitHeatmap grid={grid} metric={metric} onMetric={setMetric} />
          )}
        </Card>
      </div>
    </>
  );
}
