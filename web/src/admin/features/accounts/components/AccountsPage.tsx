import { useState, type FormEvent } from 'react';
import { Modal } from '../../../../components/modal';
import { Badge, Button, Card, ErrorNote, PageHeader, SelectField, StatusBadge, StatusLine, Table, TextField, cell } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { useSession } from '../../../lib/services-context';
import type { Role } from '../../../lib/types';
import { useAccounts } from '../use-accounts';

const MIN_PASSWORD = 8;

function CreateAccountForm({ busy, onCreate }: { busy: boolean; onCreate: (u: string, p: string, r: Role) => Promise<boolean> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('moderator');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await onCreate(username, password, role)) {
      setUsername('');
      setPassword('');
    }
  };
  return (
    <Card title="New account">
      <form onSubmit={submit} aria-label="New account" className="space-y-3">
        <TextField label="Username" value={username} onChange={(e) => setUsername(e.target.value)} required pattern="[a-z0-9][a-z0-9_.\-]{2,31}" hint="3–32 characters: a–z, 0–9, _ . -" autoComplete="off" />
        <TextField label="Password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={MIN_PASSWORD} hint={`At least ${MIN_PASSWORD} characters.`} autoComplete="new-password" />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="moderator">Moderator</option>
          <option value="admin">Admin</option>
        </SelectField>
        <Button type="submit" variant="primary" disabled={busy} className="w-full">
          Create account
        </Button>
      </form>
    </Card>
  );
}

export function AccountsPage() {
  const h = useAccounts();
  const session = useSession();
  const me = session.kind === 'signed-in' ? session.username : '';
  const [changing, setChanging] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const items = h.accounts.data?.items ?? [];

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    if (changing && (await h.setPassword(changing, password))) setChanging(null);
  };

  return (
    <>
      <PageHeader title="Accounts" description="Who can sign in to moderation. Moderators decide reports and appeals; admins also manage accounts and may block permanently." />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="min-w-0 space-y-4">
          <StatusLine message={h.action.message} />
          {h.action.error && !changing && <ErrorNote error={h.action.error} />}
          {h.accounts.error && <ErrorNote error={h.accounts.error} />}
          <Table label="Accounts" head={['Username', 'Role', 'Created', 'Status', '']}>
            {items.map((a) => (
              <tr key={a.username}>
                <td className={cell + ' font-medium text-zinc-100'}>
                  {a.username}
                  {a.username === me && <span className="ml-2 text-xs text-zinc-400">(you)</span>}
                </td>
                <td className={cell}>
                  <Badge tone={a.role === 'admin' ? 'violet' : 'neutral'}>{a.role}</Badge>
                </td>
                <td className={cell + ' text-xs text-zinc-300'}>{formatDateTime(a.createdAt)}</td>
                <td className={cell}>{a.disabled ? <StatusBadge status="disabled" /> : <Badge tone="emerald">Active</Badge>}</td>
                <td className={cell + ' text-right whitespace-nowrap'}>
                  <div className="flex justify-end gap-2">
                    <Button
                      size="sm"
                      aria-label={`Change password of ${a.username}`}
                      onClick={() => {
                        h.action.clear();
                        setPassword('');
                        setChanging(a.username);
                      }}
                    >
                      Change password
                    </Button>
                    {a.username !== me && (
                      <Button
                        size="sm"
                        variant={a.disabled ? 'secondary' : 'ghost'}
                        aria-label={`${a.disabled ? 'Enable' : 'Disable'} ${a.username}`}
                        disabled={h.action.busy}
                        onClick={() => void h.setDisabled(a.username, !a.disabled)}
                      >
                        {a.disabled ? 'Enable' : 'Disable'}
                      </Button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </Table>
        </div>
        <CreateAccountForm busy={h.action.busy} onCreate={h.create} />
      </div>

      <Modal open={changing !== null} onClose={() => setChanging(null)} title={`Change password of ${changing ?? ''}`} closeLabel="Cancel">
        <form onSubmit={submitPassword} className="space-y-4">
          <TextField label="New password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={MIN_PASSWORD} autoComplete="new-password" autoFocus />
          {h.action.error && <ErrorNote error={h.action.error} />}
          <div className="flex justify-end gap-2">
            <Button onClick={() => setChanging(null)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={h.action.busy}>
              Change password
            </Button>
          </div>
        </form>
      </Modal>
    </>
  );
}
