import { useState, type FormEvent } from 'react';
import { useNow } from '../../../../components/use-now';
import { AppLink } from '../../../components/app-link';
import { Button, Card, EmptyState, ErrorNote, Facts, PageHeader, SelectField, StatusBadge, StatusLine, TextArea, UserText } from '../../../components/ui';
import { DASH, blockState, formatAge, formatDateTime, reasonLabel, shortKey } from '../../../lib/format';
import type { Appeal, AppealStatus } from '../../../lib/types';
import { useAppeals } from '../use-appeals';

function ago(t: number, now: number) {
  const a = formatAge(t, now);
  return a === 'just now' ? a : a + ' ago';
}

function DecisionForm({ busy, onDecide }: { busy: boolean; onDecide: (kind: 'accept' | 'reject', note: string) => Promise<boolean> }) {
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState(false);
  const decide = async (kind: 'accept' | 'reject', e?: FormEvent) => {
    e?.preventDefault();
    if (!note.trim()) {
      setMissing(true);
      return;
    }
    if (await onDecide(kind, note)) setNote('');
  };
  return (
    <form onSubmit={(e) => void decide('accept', e)} aria-label="Decide the appeal" className="space-y-3">
      <TextArea
        label="Reason for the decision"
        value={note}
        onChange={(e) => {
          setNote(e.target.value);
          setMissing(false);
        }}
        rows={3}
        maxLength={500}
        aria-invalid={missing}
        hint={missing ? 'Write why, so the decision can be understood later.' : 'Kept in the audit log.'}
      />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" disabled={busy}>
          Accept appeal and lift block
        </Button>
        <Button onClick={() => void decide('reject')} disabled={busy}>
          Reject appeal
        </Button>
      </div>
    </form>
  );
}

function AppealDetail({ appeal, now, h }: { appeal: Appeal; now: number; h: ReturnType<typeof useAppeals> }) {
  const b = h.block.data;
  return (
    <article aria-labelledby="appeal-title" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id="appeal-title" className="text-xl font-semibold tracking-tight text-zinc-50">
            Appeal {appeal.id}
          </h2>
          <p className="mt-1 text-sm text-zinc-400">
            Against block {appeal.blockId} · filed {ago(appeal.createdAt, now)}
          </p>
        </div>
        <StatusBadge status={appeal.status} />
      </div>
      <Card title="Message from the blocked user">
        <UserText text={appeal.message} empty="No message." />
      </Card>
      {appeal.status === 'open' ? (
        <Card title="Decision">
          {h.action.error && (
            <div className="mb-3">
              <ErrorNote error={h.action.error} />
            </div>
          )}
          <DecisionForm key={appeal.id} busy={h.action.busy} onDecide={h.decide} />
        </Card>
      ) : (
        <Card title="Decision">
          <Facts
            items={[
              ['Decided by', appeal.decidedBy ?? DASH],
              ['Decided', formatDateTime(appeal.decidedAt)],
              ['Reason', appeal.note ? <span className="whitespace-pre-wrap">{appeal.note}</span> : DASH],
            ]}
          />
        </Card>
      )}
      <Card title={`Block ${appeal.blockId}`}>
        {h.block.error && <ErrorNote error={h.block.error} />}
        {b ? (
          <Facts
            items={[
              ['Reason', b.reason ? reasonLabel(b.reason) : DASH],
              ['State', blockState(b)],
              ['Blocked by', b.createdBy],
              ['Created', formatDateTime(b.createdAt)],
              ['Device', b.device ? <span className="font-mono text-xs break-all">{b.device}</span> : DASH],
              ['IP address', b.ip ? <span className="font-mono text-xs">{b.ip}</span> : DASH],
              [
                'Report',
                b.reportId !== null ? (
                  <AppLink to={{ page: 'reports', reportId: b.reportId }} className="text-violet-300 hover:text-violet-200">
                    Report {b.reportId}
                  </AppLink>
                ) : (
                  'none (blocked directly)'
                ),
              ],
            ]}
          />
        ) : (
          !h.block.error && <p className="text-sm text-zinc-400">{h.block.loading ? 'Loading…' : 'Block details are not available.'}</p>
        )}
      </Card>
    </article>
  );
}

export function AppealsPage({ open }: { open: number | null }) {
  const h = useAppeals(open);
  const now = useNow(true, 15_000);
  const { list, selected } = h;
  return (
    <>
      <PageHeader title="Appeals" description="Blocked users asking to be let back in. Accepting lifts the block." />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
        <div className="space-y-4">
          <SelectField label="Status" value={list.filter.status ?? ''} onChange={(e) => list.setFilter({ status: (e.target.value || undefined) as AppealStatus | undefined })}>
            <option value="open">Open</option>
            <option value="accepted">Accepted</option>
            <option value="rejected">Rejected</option>
            <option value="">All</option>
          </SelectField>
          {list.error && <ErrorNote error={list.error} />}
          {list.loaded && list.items.length === 0 && !list.error && <EmptyState>{list.filter.status === 'open' ? 'No open appeals.' : 'No appeals match.'}</EmptyState>}
          <ul aria-label="Appeals" className="space-y-2">
            {list.items.map((a) => {
              const current = a.id === selected?.id;
              return (
                <li key={a.id}>
                  <button
                    type="button"
                    onClick={() => h.select(a.id)}
                    aria-current={current ? 'true' : undefined}
                    className={`block w-full rounded-xl px-3 py-2.5 text-left ring-1 focus-visible:outline-2 focus-visible:outline-violet-400 ${
                      current ? 'bg-violet-500/15 ring-violet-400/50' : 'bg-zinc-900/70 ring-white/10 hover:bg-zinc-800/80'
                    }`}
                  >
                    <span className="flex items-center justify-between gap-2 text-sm font-medium text-zinc-100">
                      <span>
                        Appeal {a.id} <span className="font-normal text-zinc-400">· block {a.blockId}</span>
                      </span>
                      <span className="text-xs font-normal text-zinc-400">
                        <span className="sr-only">, </span>
                        {ago(a.createdAt, now)}
                      </span>
                    </span>
                    <span className="mt-1 line-clamp-2 text-xs break-words text-zinc-400">
                      <span className="sr-only">, </span>
                      {a.message}
                    </span>
                    <span className="mt-2 flex items-center gap-2 text-xs text-zinc-400">
                      <StatusBadge status={a.status} />
                      <span className="font-mono">{a.device ? shortKey(a.device) : a.ip}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
          {list.nextCursor && (
            <Button onClick={list.loadMore} disabled={list.loading} className="w-full">
              Load more appeals
            </Button>
          )}
        </div>
        <div className="min-w-0 space-y-4">
          <StatusLine message={h.action.message} />
          {selected ? (
            <AppealDetail appeal={selected} now={now} h={h} />
          ) : (
            <Card>
              <EmptyState>Select an appeal to read it.</EmptyState>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}

