import { useNow } from '../../../../components/use-now';
import { Badge, EmptyState, ErrorNote, PageHeader, Table, cell } from '../../../components/ui';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { useWatchList } from '../use-watch-list';
import { lastSeenText } from '../watch-list';

export function WatchListPage() {
  const now = useNow(true, 1000);
  const { list, rows } = useWatchList();
  return (
    <>
      <PageHeader
        title="Watch list"
        description="Devices and IP addresses the abuse detector flagged on this server, the most recent first. Entries expire a day after their last hit; a restart empties the list."
      />
      <div className="space-y-4">
        {list.error && <ErrorNote error={list.error} />}
        {rows === null ? (
          !list.error && <p className="text-sm text-zinc-400">Loading…</p>
        ) : rows.length === 0 ? (
          <EmptyState>Nobody is on the watch list.</EmptyState>
        ) : (
          <Table label="Watch list" head={['Subject', 'Kind', 'Rule', 'Hits', 'Last seen', 'CAPTCHA pending']}>
            {rows.map((r) => (
              <tr key={r.key}>
                <td className={cell + ' font-mono text-xs whitespace-nowrap'} title={r.fullSubject}>
                  {r.subject}
                </td>
                <td className={cell}>{r.kind === 'device' ? 'Device' : 'IP address'}</td>
                <td className={cell}>{r.rule}</td>
                <td className={cell + ' tabular-nums'}>{formatNumber(r.hits)}</td>
                <td className={cell + ' whitespace-nowrap'} title={formatDateTime(r.lastSeen)}>
                  {lastSeenText(r.lastSeen, now)}
                </td>
                <td className={cell}>{r.captchaPending ? <Badge tone="amber">Yes</Badge> : <span className="text-zinc-400">No</span>}</td>
              </tr>
            ))}
          </Table>
        )}
      </div>
    </>
  );
}
