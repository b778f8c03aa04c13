// The moderator's sign-in: the admin token, who it names and when it expires.
// Kept in sessionStorage (this tab only, gone when it closes) so a reload does
// not sign out. The token is dropped when it expires (15 minutes), when the
// server answers 401 (a revoked token too), or on Sign out, which also asks the
// server to revoke it (POST /api/v1/admin/logout); the login page then says why.
import type { Timers } from '../../lib/signaling/timers';
import type { LoginResult, Role } from './types';

export type SignOutReason = 'signed-out' | 'expired' | 'unauthorized';

export type SessionState =
  | { kind: 'signed-out'; reason: SignOutReason | null }
  | { kind: 'signed-in'; token: string; username: string; role: Role; expiresAt: number };

export interface SessionStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_KEY = 'serendip.admin.session';

function parseStored(raw: string | null): Extract<SessionState, { kind: 'signed-in' }> | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (
      typeof v.token === 'string' &&
      typeof v.username === 'string' &&
      (v.role === 'admin' || v.role === 'moderator') &&
      typeof v.expiresAt === 'number'
    ) {
      return { kind: 'signed-in', token: v.token, username: v.username, role: v.role, expiresAt: v.expiresAt };
    }
  } catch {
    // corrupt: treat as signed out
  }
  return null;
}

export class AdminSession {
  private current: SessionState = { kind: 'signed-out', reason: null };
  private readonly listeners = new Set<() => void>();
  private expiryTimer: unknown = null;

  constructor(
    private readonly storage: SessionStorageLike | null,
    private readonly timers: Timers,
  ) {
    let stored: ReturnType<typeof parseStored> = null;
    try {
      stored = parseStored(storage?.getItem(SESSION_KEY) ?? null);
    } catch {
      // storage disabled
    }
    if (stored && stored.expiresAt > timers.now()) this.set(stored);
    else if (stored) this.signOut('expired');
  }

  get state(): SessionState {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The token if signed in and not past expiry (an expired one signs out). */
  token(): string | null {
    const s = this.current;
    if (s.kind !== 'signed-in') return null;
    if (this.timers.now() >= s.expiresAt) {
      this.signOut('expired');
      return null;
    }
    return s.token;
  }

  signIn(username: string, result: LoginResult): void {
    this.set({
      kind: 'signed-in',
      token: result.token,
      username,
      role: result.role,
      expiresAt: this.timers.now() + result.expiresIn * 1000,
    });
  }

  signOut(reason: SignOutReason): void {
    if (this.current.kind === 'signed-out' && this.current.reason === reason) return;
    this.set({ kind: 'signed-out', reason });
  }

  private set(next: SessionState): void {
    this.current = next;
    if (this.expiryTimer !== null) this.timers.clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    try {
      if (next.kind === 'signed-in') this.storage?.setItem(SESSION_KEY, JSON.stringify(next));
      else this.storage?.removeItem(SESSION_KEY);
    } catch {
      // storage full or disabled: the session still works in memory
    }
    if (next.kind === 'signed-in') {
      this.expiryTimer = this.timers.setTimeout(() => {
        this.expiryTimer = null;
        this.signOut('expired');
      }, Math.max(0, next.expiresAt - this.timers.now()));
    }
    for (const l of [...this.listeners]) l();
  }
}
