import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../test/manual-timers';
import { AdminSession, SESSION_KEY, type SessionStorageLike } from './session';

class MemoryStorage implements SessionStorageLike {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

const LOGIN = { token: 'jwt', expiresIn: 900, role: 'moderator' as const };

function setup(stored?: unknown) {
  const timers = new ManualTimers();
  const storage = new MemoryStorage();
  if (stored !== undefined) storage.setItem(SESSION_KEY, typeof stored === 'string' ? stored : JSON.stringify(stored));
  return { timers, storage, session: () => new AdminSession(storage, timers) };
}

describe('AdminSession', () => {
  it('signs in, keeps the token for 15 minutes, then signs out as expired', async () => {
    const t = setup();
    const s = t.session();
    const changes: string[] = [];
    s.subscribe(() => changes.push(s.state.kind + (s.state.kind === 'signed-out' ? ':' + s.state.reason : '')));
    s.signIn('alice', LOGIN);
    expect(s.state).toEqual({ kind: 'signed-in', token: 'jwt', username: 'alice', role: 'moderator', expiresAt: 900_000 });
    expect(JSON.parse(t.storage.getItem(SESSION_KEY)!)).toMatchObject({ token: 'jwt', username: 'alice' });
    await t.timers.advance(899_999);
    expect(s.token()).toBe('jwt');
    await t.timers.advance(1);
    expect(s.state).toEqual({ kind: 'signed-out', reason: 'expired' });
    expect(s.token()).toBeNull();
    expect(t.storage.getItem(SESSION_KEY)).toBeNull();
    expect(changes).toEqual(['signed-in', 'signed-out:expired']);
  });

  it.each([
    ['a valid stored session is restored', { kind: 'signed-in', token: 't', username: 'bob', role: 'admin', expiresAt: 5000 }, { kind: 'signed-in', username: 'bob', role: 'admin' }],
    ['an expired stored session says so', { kind: 'signed-in', token: 't', username: 'bob', role: 'admin', expiresAt: 0 }, { kind: 'signed-out', reason: 'expired' }],
    ['a corrupt entry is ignored', '{not json', { kind: 'signed-out', reason: null }],
    ['an unknown role is ignored', { token: 't', username: 'bob', role: 'root', expiresAt: 5000 }, { kind: 'signed-out', reason: null }],
    ['nothing stored', undefined, { kind: 'signed-out', reason: null }],
  ])('%s', (_, stored, expected) => {
    const t = setup(stored);
    expect(t.session().state).toMatchObject(expected);
  });

  it('a restored session still expires on time', async () => {
    const t = setup({ token: 't', username: 'bob', role: 'admin', expiresAt: 5000 });
    const s = t.session();
    await t.timers.advance(5000);
    expect(s.state).toEqual({ kind: 'signed-out', reason: 'expired' });
  });

  it('signing out drops the token and the stored copy and cancels the expiry', async () => {
    const t = setup();
    const s = t.session();
    s.signIn('alice', LOGIN);
    s.signOut('signed-out');
    expect(s.state).toEqual({ kind: 'signed-out', reason: 'signed-out' });
    expect(t.storage.data.size).toBe(0);
    expect(t.timers.pendingDelays()).toEqual([]);
  });

  it('works without storage', () => {
    const s = new AdminSession(null, new ManualTimers());
    s.signIn('alice', LOGIN);
    expect(s.token()).toBe('jwt');
  });
});
