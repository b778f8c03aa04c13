import { useState, type FormEvent } from 'react';
import { AppLink } from '../../../components/app-link';
import { Badge, Button, Card, ErrorNote, Facts, PageHeader, TextField } from '../../../components/ui';
import { DASH, blockState, formatDateTime, formatLength, formatNumber, reasonLabel } from '../../../lib/format';
import type { Reputation } from '../../../lib/types';
import { useReputation } from '../use-reputation';

function Figure({ label, value, tone, small }: { label: string; value: string; tone?: 'rose' | 'amber'; small?: boolean }) {
  return (
    <div role="group" aria-label={label} className="rounded-xl bg-zinc-950/50 p-3 ring-1 ring-white/10">
      <p className="text-xs text-zinc-400">{label}</p>
      <p className={`mt-1 ${small ? 'text-sm leading-7' : 'text-xl'} font-semibold tabular-nums ${tone === 'rose' ? 'text-rose-200' : tone === 'amber' ? 'text-amber-200' : 'text-zinc-50'}`}>{value}</p>
    </div>
  );
}

function Result({ r }: { r: Reputation }) {
  const who = r.ip ? `IP ${r.ip}` : `Device ${r.device}`;
  return (
    <Card title={<span className="font-mono text-sm break-all">{who}</span>} actions={r.activeBlock ? <Badge tone="rose">Blocked now</Badge> : <Badge tone="emerald">Not blocked</Badge>}>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Figure label="Sessions" value={formatNumber(r.sessions)} />
        <Figure label="Time in calls" value={formatLength(r.sessionMs)} />
        <Figure label="Reports received" value={formatNumber(r.reportsReceived)} tone={r.reportsReceived > 0 ? 'amber' : undefined} />
        <Figure label="Distinct reporters" value={formatNumber(r.distinctReporters)} tone={r.distinctReporters > 1 ? 'amber' : undefined} />
        <Figure label="Reports made" value={formatNumber(r.reportsMade)} />
        <Figure label="Blocks ever" value={formatNumber(r.blocks)} tone={r.blocks > 0 ? 'rose' : undefined} />
        <Figure label="Last seen" value={r.lastSeen === null ? DASH : formatDateTime(r.lastSeen)} small />
      </div>
      {r.activeBlock && (
        <div className="mt-5">
          <h3 className="mb-2 text-sm font-semibold text-zinc-100">Active block {r.activeBlock.id}</h3>
          <Facts
            items={[
              ['Reason', r.activeBlock.reason ? reasonLabel(r.activeBlock.reason) : DASH],
              ['State', blockState(r.activeBlock)],
              ['Blocked by', r.activeBlock.createdBy],
              ['Created', formatDateTime(r.activeBlock.createdAt)],
              [
                'Report',
                r.activeBlock.reportId !== null ? (
                  <AppLink to={{ page: 'reports', reportId: r.activeBlock.reportId }} className="text-violet-300 hover:text-violet-200">
                    Report {r.activeBlock.reportId}
                  </AppLink>
                ) : (
                  'none'
                ),
              ],
            ]}
          />
        </div>
      )}
    </Card>
  );
}

export function ReputationPage({ ip, device }: { ip: string | null; device: string | null }) {
  const { result, problem, lookUp, looking } = useReputation(ip, device);
  const [text, setText] = useState(ip ?? device ?? '');
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    lookUp(text);
  };
  return (
    <>
      <PageHeader title="Reputation" description="Everything known about one IP address or device: sessions, reports and blocks." />
      <div className="max-w-4xl space-y-6">
        <form role="search" aria-label="Look up reputation" onSubmit={onSubmit} className="flex flex-wrap items-end gap-3">
          <TextField label="IP address or device key" value={text} onChange={(e) => setText(e.target.value)} className="min-w-64 flex-1" />
          <Button type="submit" variant="primary">
            Look up
          </Button>
          <p className="w-full text-xs text-zinc-400">Device keys are the hashed ids shown in reports and blocks, never a raw device id.</p>
        </form>
        {problem && <ErrorNote>{problem}</ErrorNote>}
        {looking && result.error && <ErrorNote error={result.error} />}
        {looking && result.loading && !result.data && <p className="text-sm text-zinc-400">Looking up…</p>}
        {looking && result.data && <Result r={result.data} />}
      </div>
    </>
  );
}
