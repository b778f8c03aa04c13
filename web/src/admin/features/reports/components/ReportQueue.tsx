import { useNow } from '../../../../components/use-now';
import { AppLink } from '../../../components/app-link';
import { Badge, Button, EmptyState, ErrorNote, StatusBadge } from '../../../components/ui';
import { formatAge, reasonLabel } from '../../../lib/format';
import type { PagedListHandle } from '../../../lib/use-resource';
import type { Report, ReportFilter } from '../../../lib/types';

export function ReportQueue({ list, selectedId }: { list: PagedListHandle<Report, ReportFilter>; selectedId: number | null }) {
  const now = useNow(true, 15_000);
  return (
    <div className="space-y-3">
      {list.error && <ErrorNote error={list.error} />}
      {list.loaded && list.items.length === 0 && !list.error && (
        <EmptyState>{list.filter.status === 'pending' ? 'The queue is empty. Nothing to review.' : 'No reports match these filters.'}</EmptyState>
      )}
      <ul aria-label="Report queue" className="space-y-2">
        {list.items.map((r) => {
          const current = r.id === selectedId;
          return (
            <li key={r.id}>
              <AppLink
                to={{ page: 'reports', reportId: r.id }}
                aria-current={current ? 'true' : undefined}
                className={`block rounded-xl px-3 py-2.5 ring-1 transition-colors focus-visible:outline-2 focus-visible:outline-violet-400 ${
                  current ? 'bg-violet-500/15 ring-violet-400/50' : 'bg-zinc-900/70 ring-white/10 hover:bg-zinc-800/80'
                }`}
              >
                <span className="flex items-center justify-between gap-2">
                  <span className="truncate text-sm font-medium text-zinc-100">
                    <span className="text-zinc-400">#{r.id}</span> {reasonLabel(r.reason)}
                  </span>
                  <span className="shrink-0 text-xs text-zinc-400">
                    <span className="sr-only">, </span>
                    {formatAge(r.createdAt, now)}
                    {formatAge(r.createdAt, now) === 'just now' ? '' : ' ago'}
                  </span>
                </span>
                {r.comment && (
                  <span className="mt-1 line-clamp-2 text-xs break-words text-zinc-400">
                    <span className="sr-only">, comment: </span>
                    {r.comment}
                  </span>
                )}
                <span className="mt-2 flex flex-wrap gap-1.5">
                  {r.priority && (
                    <>
                      <span className="sr-only">, </span>
                      <Badge tone="rose">Priority</Badge>
                    </>
                  )}
                  {r.shield && (
                    <>
                      <span className="sr-only">, </span>
                      <Badge tone="amber">Shield-flagged</Badge>
                    </>
                  )}
                  <span className="sr-only">, </span>
                  <Badge tone={r.distinctReporters > 1 ? 'amber' : 'neutral'}>
                    {r.distinctReporters} reporter{r.distinctReporters === 1 ? '' : 's'}
                  </Badge>
                  <span className="sr-only">, </span>
                  <Badge tone={r.priorBlocks > 0 ? 'rose' : 'neutral'}>
                    {r.priorBlocks} prior block{r.priorBlocks === 1 ? '' : 's'}
                  </Badge>
                  {r.status !== 'pending' && (
                    <>
                      <span className="sr-only">, </span>
                      <StatusBadge status={r.status} />
                    </>
                  )}
                </span>
              </AppLink>
            </li>
          );
        })}
      </ul>
      {list.nextCursor && (
        <Button onClick={list.loadMore} disabled={list.loading} className="w-full">
          {list.loading ? 'Loading…' : 'Load more reports'}
        </Button>
      )}
    </div>
  );
}
