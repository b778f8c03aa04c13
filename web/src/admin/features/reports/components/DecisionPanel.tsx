import type { RefObject } from 'react';
import { Button, Card, CheckboxField, ErrorNote, Kbd, SelectField, TextArea } from '../../../components/ui';
import { DURATIONS, durationAllowed } from '../../../lib/format';
import type { AdminApiError } from '../../../lib/api-client';
import type { Role } from '../../../lib/types';
import type { DecisionDraft } from '../decision';

export function DecisionPanel({
  draft,
  onChange,
  onDecide,
  problem,
  role,
  busy,
  error,
  noteRef,
}: {
  draft: DecisionDraft;
  onChange: (d: DecisionDraft) => void;
  onDecide: (action: 'accept' | 'reject') => void;
  problem: string | null;
  role: Role;
  busy: boolean;
  error: AdminApiError | null;
  noteRef: RefObject<HTMLTextAreaElement | null>;
}) {
  return (
    <Card title="Decision">
      <div className="grid gap-4 md:grid-cols-2">
        <fieldset className="space-y-2.5">
          <legend className="mb-2 text-xs font-medium text-zinc-300">If accepted, block the reported user's</legend>
          <CheckboxField label="Device" checked={draft.blockDevice} onChange={(e) => onChange({ ...draft, blockDevice: e.target.checked })} />
          <CheckboxField label="IP address" checked={draft.blockIp} onChange={(e) => onChange({ ...draft, blockIp: e.target.checked })} />
          <p className="text-xs text-zinc-400">IP addresses are often shared (mobile carriers, offices): prefer the device.</p>
        </fieldset>
        <SelectField
          label="Block duration"
          value={draft.duration === null ? 'permanent' : String(draft.duration)}
          onChange={(e) => onChange({ ...draft, duration: e.target.value === 'permanent' ? null : Number(e.target.value) })}
          hint={role === 'admin' ? undefined : 'Blocks over 30 days and permanent blocks need the admin role.'}
        >
          {DURATIONS.map((d) => (
            <option key={d.label} value={d.seconds === null ? 'permanent' : String(d.seconds)} disabled={!durationAllowed(role, d.seconds)}>
              {d.label}
            </option>
          ))}
        </SelectField>
      </div>
      <TextArea
        ref={noteRef}
        label="Note (optional, kept in the audit log)"
        value={draft.note}
        maxLength={500}
        rows={2}
        className="mt-4"
        onChange={(e) => onChange({ ...draft, note: e.target.value })}
      />
      {error && (
        <div className="mt-4">
          <ErrorNote error={error} />
        </div>
      )}
      <div className="mt-4 flex flex-wrap items-center gap-2">
        <Button variant="danger" onClick={() => onDecide('accept')} disabled={busy || problem !== null} aria-keyshortcuts="a">
          Accept and block <Kbd decorative>A</Kbd>
        </Button>
        <Button onClick={() => onDecide('reject')} disabled={busy} aria-keyshortcuts="r">
          Reject <Kbd decorative>R</Kbd>
        </Button>
        {problem && <p className="text-xs text-amber-200">{problem}</p>}
      </div>
    </Card>
  );
}
