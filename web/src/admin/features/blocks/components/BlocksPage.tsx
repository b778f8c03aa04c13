import { useState, type FormEvent } from 'react';
import { Modal } from '../../../../components/modal';
import { AppLink } from '../../../components/app-link';
import { Button, EmptyState, ErrorNote, PageHeader, SelectField, StatusBadge, StatusLine, Table, TextField, cell } from '../../../components/ui';
import { blockState, formatDateTime, reasonLabel } from '../../../lib/format';
import { useSession } from '../../../lib/services-context';
import type { Block } from '../../../lib/types';
import { useBlocks } from '../use-blocks';
import { BulkBlockForm, CreateBlockForm } from './BlockForms';

function Target({ block }: { block: Block }) {
  return (
    <div className="space-y-0.5 font-mono text-xs break-all">
      {block.ip && (
        <p>
          <span className="text-zinc-400">IP </span>
          {block.ip}
        </p>
      )}
      {block.device && (
        <p>
          <span className="text-zinc-400">Device </span>
          {block.device}
        </p>
      )}
    </div>
  );
}

export function BlocksPage() {
  const b = useBlocks();
  const session = useSession();
  const role = session.kind === 'signed-in' ? session.role : 'moderator';
  const [query, setQuery] = useState('');
  const [show, setShow] = useState<'active' | 'all'>('active');
  const [lifting, setLifting] = useState<Block | null>(null);
  const [liftReason, setLiftReason] = useState('');

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    b.search(query, show === 'active' ? true : undefined);
  };
  const onLift = async (e: FormEvent) => {
    e.preventDefault();
    if (lifting && (await b.lift(lifting.id, liftReason))) setLifting(null);
  };

  return (
    <>
      <PageHeader title="Blocks" description="Who cannot use Serendip, until when, and why." />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-4">
          <form role="search" aria-label="Search blocks" onSubmit={onSearch} className="flex flex-wrap items-end gap-3">
            <TextField label="IP address or device key" value={query} onChange={(e) => setQuery(e.target.value)} className="min-w-60 flex-1" />
            <SelectField label="Show" value={show} onChange={(e) => setShow(e.target.value as 'active' | 'all')} className="w-40">
              <option value="active">Active blocks</option>
              <option value="all">All blocks</option>
            </SelectField>
            <Button type="submit" variant="primary">
              Search
            </Button>
          </form>
          {b.searchProblem && <ErrorNote>{b.searchProblem}</ErrorNote>}
          <StatusLine message={b.action.message} />
          {b.action.error && !lifting && <ErrorNote error={b.action.error} />}
          {b.list.error && <ErrorNote error={b.list.error} />}
          {b.list.loaded && b.list.items.length === 0 && !b.list.error ? (
            <EmptyState>No blocks match.</EmptyState>
          ) : (
            <Table label="Blocks" head={['ID', 'Blocked', 'Reason', 'By', 'Created', 'State', '']}>
              {b.list.items.map((x) => (
                <tr key={x.id}>
                  <td className={cell + ' text-zinc-400 tabular-nums'}>{x.id}</td>
                  <td className={cell + ' max-w-56'}>
                    <Target block={x} />
                  </td>
                  <td className={cell}>
                    {x.reason ? reasonLabel(x.reason) : <span className="text-zinc-400">—</span>}
                    {x.reportId !== null && (
                      <p className="text-xs">
                        <AppLink to={{ page: 'reports', reportId: x.reportId }} className="text-violet-300 hover:text-violet-200">
                          Report {x.reportId}
                        </AppLink>
                      </p>
                    )}
                  </td>
                  <td className={cell + ' text-xs text-zinc-300'}>{x.createdBy}</td>
                  <td className={cell + ' text-xs whitespace-nowrap text-zinc-300'}>{formatDateTime(x.createdAt)}</td>
                  <td className={cell + ' text-xs'}>
                    <StatusBadge status={x.liftedAt !== null ? 'lifted' : x.active ? 'active' : 'expired'} />
                    <p className="mt-1 whitespace-nowrap text-zinc-400">{blockState(x)}</p>
                  </td>
                  <td className={cell + ' text-right'}>
                    {x.active && (
                      <Button
                        size="sm"
                        onClick={() => {
                          b.action.clear();
                          setLiftReason('');
                          setLifting(x);
                        }}
                        aria-label={`Lift block ${x.id}`}
                      >
                        Lift
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
          {b.list.nextCursor && (
            <Button onClick={b.list.loadMore} disabled={b.list.loading}>
              {b.list.loading ? 'Loading…' : 'Load more blocks'}
            </Button>
          )}
        </div>
        <div className="space-y-6">
          <CreateBlockForm role={role} busy={b.action.busy} onCreate={b.create} />
          <BulkBlockForm role={role} busy={b.action.busy} onBulk={b.bulk} />
        </div>
      </div>

      <Modal open={lifting !== null} onClose={() => setLifting(null)} title={`Lift block ${lifting?.id ?? ''}`} closeLabel="Cancel">
        {lifting && (
          <form onSubmit={onLift} className="space-y-4">
            <Target block={lifting} />
            <TextField label="Reason for lifting" value={liftReason} onChange={(e) => setLiftReason(e.target.value)} maxLength={500} autoFocus />
            {b.action.error && <ErrorNote error={b.action.error} />}
            <div className="flex justify-end gap-2">
              <Button onClick={() => setLifting(null)}>Cancel</Button>
              <Button type="submit" variant="primary" disabled={b.action.busy}>
                Lift block
              </Button>
            </div>
          </form>
        )}
      </Modal>
    </>
  );
}
