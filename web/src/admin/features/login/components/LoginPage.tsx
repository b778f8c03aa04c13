import { useState, type FormEvent } from 'react';
import { Logo } from '../../../../components/icons';
import { Button, ErrorNote, TextField } from '../../../components/ui';
import type { SignOutReason } from '../../../lib/session';
import { signOutText } from '../login';
import { useLogin } from '../use-login';

export function LoginPage({ reason }: { reason: SignOutReason | null }) {
  const { busy, error, submit } = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const notice = signOutText(reason);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(username, password);
  };
  return (
    <main className="grid min-h-dvh place-items-center px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <Logo className="h-12 w-12" />
          <div>
            <p className="text-sm font-medium text-violet-300">Serendip moderation</p>
            <h1 className="mt-1 text-2xl font-semibold tracking-tight text-zinc-50">Sign in</h1>
          </div>
        </div>
        <form onSubmit={onSubmit} aria-label="Sign in" className="space-y-4 rounded-3xl bg-zinc-900/80 p-6 shadow-2xl ring-1 ring-white/10">
          {notice && !error && (
            <p role="status" className="rounded-xl bg-amber-500/10 px-3 py-2.5 text-sm text-amber-100 ring-1 ring-amber-400/30">
              {notice}
            </p>
          )}
          <TextField label="Username" name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {error && <ErrorNote>{error}</ErrorNote>}
          <Button type="submit" variant="primary" className="w-full" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
        <p className="mt-6 text-center text-xs text-zinc-400">Sessions last 15 minutes. Every action is recorded in the audit log.</p>
      </div>
    </main>
  );
}
