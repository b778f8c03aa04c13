import { useNow } from '../../../../components/use-now';
import { Card, EmptyState, ErrorNote, Kbd, PageHeader, SelectField, StatusLine } from '../../../components/ui';
import { reasonLabel } from '../../../lib/format';
import { REPORT_REASONS, type ReportReason, type ReportStatus } from '../../../lib/types';
import { SHORTCUTS } from '../queue-keys';
import { useReportQueue } from '../use-report-queue';
import { DecisionPanel } from './DecisionPanel';
import { ReportDetail } from './ReportDetail';
import { ReportQueue } from './ReportQueue';

const KEY_CAPS: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑' };

function ShortcutLegend() {
  return (
    <section aria-label="Keyboard shortcuts" className="flex flex-wrap items-center gap-x-4 gap-y-1.5 text-xs text-zinc-400">
      {SHORTCUTS.map((s) => (
        <span key={s.command} className="flex items-center gap-1">
          {s.keys.map((k) => (
            <Kbd key={k}>{KEY_CAPS[k] ?? k}</Kbd>
          ))}
          <span className="ml-0.5">{s.label}</span>
        </span>
      ))}
    </section>
  );
}

export function ReportsPage({ reportId, pending }: { reportId: number | null; pending: number | null }) {
  const q = useReportQueue(reportId, pending);
  const now = useNow(true, 15_000);
  const { list, selected } = q;

  return (
    <>
      <PageHeader title="Reports" description="Pending reports come first, oldest first; those marked Priority (blocked automatically pending review) before all others, and Shield-flagged ones (the reporter's safety shield had hidden the video) before others of the same priority. Decide each with the buttons or the keyboard." actions={<ShortcutLegend />} />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
        <div className="space-y-4">
          <div className="grid grid-cols-2 gap-3">
            <SelectField
              label="Status"
              value={list.filter.status ?? ''}
              onChange={(e) => list.setFilter({ ...list.filter, status: (e.target.value || undefined) as ReportStatus | undefined })}
            >
              <option value="pending">Pending</option>
              <option value="accepted">Accepted</option>
              <option value="rejected">Rejected</option>
              <option value="">All</option>
            </SelectField>
            <SelectField label="Reason" value={list.filter.reason ?? ''} onChange={(e) => list.setFilter({ ...list.filter, reason: (e.target.value || undefined) as ReportReason | undefined })}>
              <option value="">Any reason</option>
              {REPORT_REASONS.map((r) => (
                <option key={r} value={r}>
                  {reasonLabel(r)}
                </option>
              ))}
            </SelectField>
          </div>
          <ReportQueue list={list} selectedId={reportId} />
        </div>

        <div className="min-w-0 space-y-4">
          <StatusLine message={q.action.message} />
          {selected ? (
            <ReportDetail
              report={selected}
              now={now}
              decision={
                selected.status === 'pending' ? (
                  <DecisionPanel
                    draft={q.draft}
                    onChange={q.setDraft}
                    onDecide={q.decide}
                    problem={q.problem}
                    role={q.role}
                    busy={q.action.busy}
                    error={q.action.error}
                    noteRef={q.noteRef}
                  />
                ) : null
              }
            />
          ) : q.single.error ? (
            <ErrorNote error={q.single.error} />
          ) : (
            <Card>
              <EmptyState>{list.loaded && list.items.length === 0 ? 'All caught up. New reports show up here by themselves.' : 'Select a report to see its details.'}</EmptyState>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}
