import { useState, type FormEvent } from 'react';
import { Button, Card, SelectField, TextArea, TextField } from '../../../components/ui';
import { DURATIONS, durationAllowed } from '../../../lib/format';
import type { BlockDuration, Role } from '../../../lib/types';
import { isDeviceKey, isIp, parseList } from '../block-input';

function DurationSelect({ value, onChange, role }: { value: BlockDuration; onChange: (d: BlockDuration) => void; role: Role }) {
  return (
    <SelectField
      label="Duration"
      value={value === null ? 'permanent' : String(value)}
      onChange={(e) => onChange(e.target.value === 'permanent' ? null : Number(e.target.value))}
      hint={role === 'admin' ? undefined : 'Blocks over 30 days and permanent blocks need the admin role.'}
    >
      {DURATIONS.map((d) => (
        <option key={d.label} value={d.seconds === null ? 'permanent' : String(d.seconds)} disabled={!durationAllowed(role, d.seconds)}>
          {d.label}
        </option>
      ))}
    </SelectField>
  );
}

export function CreateBlockForm({ role, busy, onCreate }: { role: Role; busy: boolean; onCreate: (b: { ip: string; device: string; duration: BlockDuration; reason: string }) => Promise<boolean> }) {
  const [ip, setIp] = useState('');
  const [device, setDevice] = useState('');
  const [duration, setDuration] = useState<BlockDuration>(86_400);
  const [reason, setReason] = useState('');
  const ipBad = ip.trim() !== '' && !isIp(ip.trim());
  const deviceBad = device.trim() !== '' && !isDeviceKey(device.trim());
  const ready = (ip.trim() || device.trim()) && !ipBad && !deviceBad;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    if (await onCreate({ ip, device, duration, reason })) {
      setIp('');
      setDevice('');
      setReason('');
    }
  };
  return (
    <Card title="New block">
      <form onSubmit={submit} aria-label="New block" className="space-y-3">
        <TextField label="IP address" value={ip} onChange={(e) => setIp(e.target.value)} placeholder="203.0.113.7" aria-invalid={ipBad} hint={ipBad ? 'Not an IPv4 or IPv6 address.' : undefined} />
        <TextField label="Device key" value={device} onChange={(e) => setDevice(e.target.value)} aria-invalid={deviceBad} hint={deviceBad ? 'Letters, digits, - and _ only.' : 'From a report or a reputation lookup.'} />
        <DurationSelect value={duration} onChange={setDuration} role={role} />
        <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        <Button type="submit" variant="danger" disabled={busy || !ready} className="w-full">
          Create block
        </Button>
      </form>
    </Card>
  );
}

export function BulkBlockForm({
  role,
  busy,
  onBulk,
}: {
  role: Role;
  busy: boolean;
  onBulk: (kind: 'ip' | 'device', values: string[], duration: BlockDuration, reason: string) => Promise<boolean>;
}) {
  const [kind, setKind] = useState<'ip' | 'device'>('ip');
  const [text, setText] = useState('');
  const [duration, setDuration] = useState<BlockDuration>(86_400);
  const [reason, setReason] = useState('');
  const parsed = parseList(text, kind);
  const noun = kind === 'ip' ? 'IP address' : 'device';
  const plural = (n: number) => `${n} ${noun}${n === 1 ? '' : kind === 'ip' ? 'es' : 's'}`;
  const ready = parsed.values.length > 0 && parsed.invalid.length === 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    if (await onBulk(kind, parsed.values, duration, reason)) {
      setText('');
      setReason('');
    }
  };
  return (
    <Card title="Bulk ban">
      <form onSubmit={submit} aria-label="Bulk ban" className="space-y-3">
        <fieldset className="flex gap-4 text-sm text-zinc-200">
          <legend className="mb-2 text-xs font-medium text-zinc-300">Block by</legend>
          {(['ip', 'device'] as const).map((k) => (
            <label key={k} className="flex items-center gap-2">
              <input type="radio" name="bulk-kind" value={k} checked={kind === k} onChange={() => setKind(k)} className="accent-violet-500" />
              {k === 'ip' ? 'IP addresses' : 'Device keys'}
            </label>
          ))}
        </fieldset>
        <TextArea label="List (one per line)" value={text} onChange={(e) => setText(e.target.value)} rows={5} spellCheck={false} mono placeholder={kind === 'ip' ? '203.0.113.7\n2001:db8::1' : 'device key per line'} />
        <p aria-live="polite" className="text-xs text-zinc-400">
          {text.trim() === ''
            ? 'Paste a list; blank lines and # comments are ignored.'
            : `${plural(parsed.values.length)} to block` +
              (parsed.duplicates ? `, ${parsed.duplicates} duplicate${parsed.duplicates === 1 ? '' : 's'} left out` : '') +
              (parsed.invalid.length ? `. Not valid: ${parsed.invalid.slice(0, 5).join(', ')}${parsed.invalid.length > 5 ? '…' : ''}` : '.')}
        </p>
        <DurationSelect value={duration} onChange={setDuration} role={role} />
        <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        <Button type="submit" variant="danger" disabled={busy || !ready} className="w-full">
          Block {plural(parsed.values.length)}
        </Button>
      </form>
    </Card>
  );
}
