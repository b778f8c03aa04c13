import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../test/manual-timers';
import { AdminApiError } from './api-client';
import { PagedList } from './paged-list';
import { Resource } from './resource';
import type { Page } from './types';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Resource', () => {
  it('polls every interval after each answer and keeps the last data through a failed refresh', async () => {
    const timers = new ManualTimers();
    const answers: (number | AdminApiError)[] = [1, new AdminApiError('unavailable', 503, 'db down'), 3];
    let n = 0;
    const r = new Resource(() => {
      const a = answers[n++];
      return a instanceof AdminApiError ? Promise.reject(a) : Promise.resolve(a ?? -1);
    }, timers);
    r.startPolling(5000);
    await timers.advance(0);
    expect(r.state).toMatchObject({ data: 1, error: null, loading: false, updatedAt: 0 });
    await timers.advance(5000);
    expect(r.state).toMatchObject({ data: 1, error: { code: 'unavailable' }, updatedAt: 0 });
    await timers.advance(5000);
    expect(r.state).toMatchObject({ data: 3, error: null, updatedAt: 10_000 });
    r.stopPolling();
    await timers.advance(60_000);
    expect(n).toBe(3);
  });

  it('stops polling once signed out (401)', async () => {
    const timers = new ManualTimers();
    let n = 0;
    const r = new Resource(() => {
      n++;
      return Promise.reject(new AdminApiError('unauthorized', 401, 'token expired'));
    }, timers);
    r.startPolling(1000);
    await timers.advance(10_000);
    expect(n).toBe(1);
    expect(r.state.error?.status).toBe(401);
  });

  it('drops the answer of a superseded load', async () => {
    const timers = new ManualTimers();
    const first = deferred<string>();
    const second = deferred<string>();
    const queue = [first, second];
    const r = new Resource(() => queue.shift()!.promise, timers);
    void r.reload();
    void r.reload();
    second.resolve('new');
    await timers.advance(0);
    first.resolve('old');
    await timers.advance(0);
    expect(r.state.data).toBe('new');
  });

  it('wraps unexpected exceptions as internal errors', async () => {
    const r = new Resource(() => Promise.reject(new Error('boom')), new ManualTimers());
    await r.reload();
    expect(r.state.error).toMatchObject({ code: 'internal', message: 'boom' });
  });
});

describe('PagedList', () => {
  type F = { status?: string };
  function pages(table: Record<string, Page<number>>) {
    const calls: string[] = [];
    const fetch = (f: F, p: { cursor?: string; limit?: number }) => {
      const key = `${f.status ?? '*'}|${p.cursor ?? ''}`;
      calls.push(key + `|${p.limit}`);
      const page = table[key];
      return page ? Promise.resolve(page) : Promise.reject(new AdminApiError('bad_request', 400, 'cursor is invalid'));
    };
    return { fetch, calls };
  }

  it.each([
    ['first page', [], [1, 2], 'c1'],
    ['then the next, appended', ['more'], [1, 2, 3], null],
    ['another filter starts over', ['filter:done'], [9], null],
  ])('%s', async (_, steps, items, cursor) => {
    const p = pages({ 'open|': { items: [1, 2], nextCursor: 'c1' }, 'open|c1': { items: [3], nextCursor: null }, 'done|': { items: [9], nextCursor: null } });
    const list = new PagedList<number, F>(p.fetch, { status: 'open' }, new ManualTimers(), 2);
    await list.reload();
    for (const s of steps) {
      if (s === 'more') await list.loadMore();
      else await list.setFilter({ status: s.split(':')[1] });
    }
    expect(list.state).toMatchObject({ items, nextCursor: cursor, loaded: true, error: null });
    expect(p.calls[0]).toBe('open||2');
  });

  it('ignores the answer for a filter that was replaced meanwhile', async () => {
    const slow = deferred<Page<number>>();
    const fast = deferred<Page<number>>();
    const list = new PagedList<number, F>((f) => (f.status === 'a' ? slow.promise : fast.promise), { status: 'a' }, new ManualTimers());
    const one = list.reload();
    const two = list.setFilter({ status: 'b' });
    fast.resolve({ items: [2], nextCursor: null });
    await two;
    slow.resolve({ items: [1], nextCursor: 'x' });
    await one;
    expect(list.state).toMatchObject({ filter: { status: 'b' }, items: [2], nextCursor: null });
  });

  it('keeps items and shows the error when a page fails; updateItems edits locally', async () => {
    const p = pages({ '*|': { items: [1, 2], nextCursor: 'bad' } });
    const list = new PagedList<number, F>(p.fetch, {}, new ManualTimers());
    await list.reload();
    await list.loadMore();
    expect(list.state).toMatchObject({ items: [1, 2], error: { code: 'bad_request' } });
    list.updateItems((xs) => xs.filter((x) => x !== 1));
    expect(list.state.items).toEqual([2]);
  });
});
