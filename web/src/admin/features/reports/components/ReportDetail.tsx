// One report's metadata (never any media: the server has none) and its user-written comment as plain text.
import type { ReactNode } from 'react';
import { AppLink } from '../../../components/app-link';
import { Badge, Card, Facts, StatusBadge, UserText } from '../../../components/ui';
import { DASH, formatAge, formatDateTime, formatLength, reasonLabel } from '../../../lib/format';
import type { Party, Report } from '../../../lib/types';

function Mono({ children }: { children: ReactNode }) {
  return <span className="font-mono text-xs break-all text-zinc-200">{children}</span>;
}

function PartyFacts({ party, lookups }: { party: Party; lookups: boolean }) {
  const link = 'text-xs text-violet-300 hover:text-violet-200 underline-offset-2 hover:underline';
  return (
    <Facts
      items={[
        ['User', party.userId ? <Mono>{party.userId}</Mono> : DASH],
        [
          'Device',
          party.device ? (
            <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <Mono>{party.device}</Mono>
              {lookups && (
                <AppLink to={{ page: 'reputation', ip: null, device: party.device }} className={link}>
                  Reputation of this device
                </AppLink>
              )}
            </span>
          ) : (
            'unknown'
          ),
        ],
        [
          'IP address',
          party.ip ? (
            <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <Mono>{party.ip}</Mono>
              {lookups && (
                <AppLink to={{ page: 'reputation', ip: party.ip, device: null }} className={link}>
                  Reputation of this IP
                </AppLink>
              )}
            </span>
          ) : (
            'unknown'
          ),
        ],
      ]}
    />
  );
}

export function ReportDetail({ report, now, decision }: { report: Report; now: number; decision: ReactNode }) {
  return (
    <article aria-labelledby="report-title" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id="report-title" className="text-xl font-semibold tracking-tight text-zinc-50">
            Report {report.id}
          </h2>
          <p className="mt-1 text-sm text-zinc-400">
            {reasonLabel(report.reason)} · filed {formatAge(report.createdAt, now)}
            {formatAge(report.createdAt, now) === 'just now' ? '' : ' ago'}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={report.status} />
          {report.priority && <Badge tone="rose">Priority: blocked automatically pending review</Badge>}
          {report.shield && (
            <Badge tone="amber">
              Shield-flagged: {report.shield.verdict} ({Math.round(report.shield.score * 100)}%)
            </Badge>
          )}
          <Badge tone={report.distinctReporters > 1 ? 'amber' : 'neutral'}>
            {report.distinctReporters} distinct reporter{report.distinctReporters === 1 ? '' : 's'}
          </Badge>
          <Badge tone={report.priorBlocks > 0 ? 'rose' : 'neutral'}>
            {report.priorBlocks} prior block{report.priorBlocks === 1 ? '' : 's'}
          </Badge>
        </div>
      </div>

      <Card title="Reporter's comment">
        <UserText text={report.comment} />
      </Card>

      {decision}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Reported user">
          <PartyFacts party={report.reported} lookups />
        </Card>
        <Card title="Reporter">
          <PartyFacts party={report.reporter} lookups={false} />
        </Card>
      </div>

      <Card
        title="Session"
        actions={
          <AppLink to={{ page: 'audit', target: `report:${report.id}` }} className="text-xs text-violet-300 hover:text-violet-200">
            Audit trail of this report →
          </AppLink>
        }
      >
        <Facts
          items={[
            ['Reason', reasonLabel(report.reason)],
            ['Filed', formatDateTime(report.createdAt)],
            ['Session', <Mono key="s">{report.sessionId}</Mono>],
            ['Started', formatDateTime(report.session.startedAt)],
            ['Ended', report.session.endedAt === null ? 'still running when reported' : formatDateTime(report.session.endedAt)],
            ['Length', formatLength(report.session.lengthMs)],
            ...(report.status !== 'pending'
              ? ([
                  ['Decided by', report.decidedBy ?? DASH],
                  ['Decided', formatDateTime(report.decidedAt)],
                  ['Note', report.note ? <span className="whitespace-pre-wrap">{report.note}</span> : DASH],
                ] as [ReactNode, ReactNode][])
              : []),
          ]}
        />
      </Card>
    </article>
  );
}
