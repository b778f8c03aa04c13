import { useState, type FormEvent } from 'react';
import { CheckIcon, AlertIcon } from '../../../../components/icons';
import { RefreshIcon } from '../../../components/admin-icons';
import { Button, EmptyState, ErrorNote, PageHeader, SelectField, Table, TextField, cell } from '../../../components/ui';
import { formatDateTime, formatNumber } from '../../../lib/format';
import type { ResourceState } from '../../../lib/resource';
import type { AuditVerification } from '../../../lib/types';
import { AUDIT_ACTIONS, actionLabel, describeDetails, parseLocalDateTime } from '../audit-format';
import { useAudit } from '../use-audit';

function ChainStatus({ v, onVerify }: { v: ResourceState<AuditVerification> & { reload: () => Promise<void> }; onVerify: () => void }) {
  const r = v.data;
  const ok = r?.ok === true;
  return (
    <section
      aria-label="Chain verification"
      className={`flex flex-wrap items-center justify-between gap-3 rounded-2xl p-4 ring-1 ${
        r === null ? 'bg-zinc-900/70 ring-white/10' : ok ? 'bg-emerald-500/10 ring-emerald-400/30' : 'bg-rose-500/10 ring-rose-400/30'
      }`}
    >
      <div className="flex items-start gap-3">
        {r !== null && (ok ? <CheckIcon className="mt-0.5 h-5 w-5 text-emerald-300" /> : <AlertIcon className="mt-0.5 h-5 w-5 text-rose-300" />)}
        <div role="status">
          {v.error ? (
            <p className="text-sm text-rose-100">Could not verify the chain ({v.error.code}).</p>
          ) : r === null ? (
            <p className="text-sm text-zinc-300">Verifying the hash chain…</p>
          ) : ok ? (
            <>
              <p className="text-sm font-medium text-emerald-100">Chain verified: all {formatNumber(r.entries)} entries intact</p>
              <p className="text-xs text-emerald-200/70">Each entry's hash covers the one before it, so no entry was changed, removed or reordered.</p>
            </>
          ) : (
            <>
              <p className="text-sm font-medium text-rose-100">Chain broken at entry {r.firstBadSeq ?? '?'}</p>
              <p className="text-xs text-rose-200/80">{r.problem ?? 'The stored hashes do not match.'} Checked {formatNumber(r.entries)} entries.</p>
            </>
          )}
        </div>
      </div>
      <Button size="sm" onClick={onVerify} disabled={v.loading}>
        <RefreshIcon className="h-3.5 w-3.5" />
        {v.loading ? 'Verifying…' : 'Verify again'}
      </Button>
    </section>
  );
}

export function AuditPage({ target }: { target: string | null }) {
  const { list, verification } = useAudit(target);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [tgt, setTgt] = useState(target ?? '');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');

  const apply = (e?: FormEvent) => {
    e?.preventDefault();
    list.setFilter({
      actor: actor.trim() || undefined,
      action: action || undefined,
      target: tgt.trim() || undefined,
      since: parseLocalDateTime(since),
      until: parseLocalDateTime(until),
    });
  };
  const clear = () => {
    setActor('');
    setAction('');
    setTgt('');
    setSince('');
    setUntil('');
    list.setFilter({});
  };

  return (
    <>
      <PageHeader title="Audit log" description="Every moderation and admin action, append-only and hash-chained. Newest first." />
      <div className="space-y-4">
        <ChainStatus v={verification} onVerify={() => void verification.reload()} />
        <form aria-label="Filter the audit log" onSubmit={apply} className="grid gap-3 rounded-2xl bg-zinc-900/70 p-4 ring-1 ring-white/10 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_1fr_auto_auto_auto]">
          <TextField label="Actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="admin:alice" />
          <SelectField label="Action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </SelectField>
          <TextField label="Target" value={tgt} onChange={(e) => setTgt(e.target.value)} placeholder="report:12" />
          <TextField label="From" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} />
          <TextField label="To" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
          <div className="flex items-end gap-2">
            <Button type="submit" variant="primary">
              Apply filters
            </Button>
            <Button onClick={clear}>Clear</Button>
          </div>
        </form>
        {list.error && <ErrorNote error={list.error} />}
        {list.loaded && list.items.length === 0 && !list.error ? (
          <EmptyState>No entries match.</EmptyState>
        ) : (
          <Table label="Audit entries" head={['#', 'Time', 'Actor', 'Action', 'Target', 'Reason', 'Details']}>
            {list.items.map((e) => (
              <tr key={e.seq}>
                <td className={cell + ' text-zinc-400 tabular-nums'} title={`hash ${e.hash}`}>
                  {e.seq}
                </td>
                <td className={cell + ' text-xs whitespace-nowrap text-zinc-300'}>{formatDateTime(e.ts)}</td>
                <td className={cell + ' font-mono text-xs'}>{e.actor}</td>
                <td className={cell}>
                  <p className="whitespace-nowrap text-zinc-100">{actionLabel(e.action)}</p>
                  <p className="font-mono text-[11px] text-zinc-400">{e.action}</p>
                </td>
                <td className={cell + ' font-mono text-xs whitespace-nowrap'}>{e.target}</td>
                <td className={cell + ' max-w-64 text-xs break-words whitespace-pre-wrap text-zinc-300'}>{e.reason}</td>
                <td className={cell + ' max-w-72 text-xs break-words text-zinc-400'}>{describeDetails(e.details)}</td>
              </tr>
            ))}
          </Table>
        )}
        {list.nextCursor && (
          <Button onClick={list.loadMore} disabled={list.loading}>
            {list.loading ? 'Loading…' : 'Load older entries'}
          </Button>
        )}
      </div>
    </>
  );
}
