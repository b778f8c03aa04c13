// The golden protocol fixtures (protocol/fixtures, shared with the server's
// tests): every message the server sends must pass our decoder and keep its
// content, and every frame the server accepts must satisfy our client types.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asClientMessage, asServerMessage, decodeServerMessage } from './messages';

const dir = resolve(import.meta.dirname, '../../../../protocol/fixtures');

interface Fixture {
  description: string;
  cases: Record<string, unknown>[];
}

/** Expands {"$repeat": s, "count": n} anywhere in a value (protocol/README.md). */
function expand(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expand);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.$repeat === 'string' && typeof o.count === 'number') return o.$repeat.repeat(o.count);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, expand(x)]));
  }
  return v;
}

function load(prefix: string): { file: string; name: string; c: Record<string, unknown> }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Fixture;
      return fixture.cases.map((c) => ({ file, name: String(c.name), c: expand(c) as Record<string, unknown> }));
    });
}

const serverCases = load('server-');
const clientCases = load('client-');
const accepted = clientCases.filter(({ c }) => (c.expect as { ok: boolean }).ok && 'frame' in c);

describe('protocol fixtures', () => {
  it('exist and are not empty', () => {
    expect(existsSync(dir), dir).toBe(true);
    expect(serverCases.length).toBeGreaterThan(0);
    expect(clientCases.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
  });

  describe.each(serverCases)('server $file: $name', ({ c }) => {
    it('decodes to the same message', () => {
      const expected = c.expect as Record<string, unknown>;
      const decoded = decodeServerMessage(JSON.stringify(expected));
      expect(decoded).not.toBeNull();
      expect(decoded).toEqual(expected);
      expect(decoded!.type).toBe(c.encoder === 'peer_left' ? 'peer_left' : c.encoder);
    });
  });

  describe.each(accepted)('client $file: $name', ({ c }) => {
    it('is a valid client message', () => {
      const frame = c.frame as Record<string, unknown>;
      const msg = asClientMessage(frame);
      expect(msg).not.toBeNull();
      expect(msg!.type).toBe((c.expect as { type: string }).type);
    });
  });

  it('decoder rejects what is not a server message', () => {
    for (const bad of [null, 1, 'x', [], {}, { type: 'matched', sessionId: 's' }, { type: 'welcome', userId: 1 }, { type: 'queued', re: 1.5 }]) {
      expect(asServerMessage(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
