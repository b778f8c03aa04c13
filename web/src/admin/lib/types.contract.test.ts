// The response types against docs/openapi.yaml: every schema's properties,
// exactly. The types are aliases of the generated ones (lib/api/openapi.d.ts),
// so this also catches an alias pointing at the wrong schema; a field added to
// or dropped from the API fails here (the compiler checks each key list
// against the TypeScript type) once the types are regenerated.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Schemas } from '../../lib/api/types';
import type { Account, Appeal, AuditEntry, AuditVerification, Block, LoginResult, Me, Page, Party, Report, Reputation, Stats } from './types';

/** All keys of T, no more, no fewer (a missing key is a type error). */
const keysOf =
  <T>() =>
  <const K extends readonly (keyof T)[]>(keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : 'missing keys')) =>
    keys as readonly string[];

const OPENAPI = readFileSync(fileURLToPath(new URL('../../../../docs/openapi.yaml', import.meta.url)), 'utf8');

/** The property names of components.schemas[name] (a plain reading of this file's layout). */
function schemaProperties(name: string): string[] {
  const components = OPENAPI.slice(OPENAPI.indexOf('\ncomponents:'));
  const m = new RegExp(`\\n    ${name}:\\n([\\s\\S]*?)(?=\\n    [A-Z][A-Za-z]*:\\n|$)`).exec(components);
  if (!m) return [];
  const props = /\n {6}properties:\n([\s\S]*)/.exec(m[1]!);
  return props ? [...props[1]!.matchAll(/^ {8}([A-Za-z0-9]+):/gm)].map((p) => p[1]!) : [];
}

describe('admin API types match docs/openapi.yaml', () => {
  it.each<[string, readonly string[]]>([
    ['Party', keysOf<Party>()(['userId', 'device', 'ip'])],
    ['Report', keysOf<Report>()(['id', 'createdAt', 'sessionId', 'reason', 'comment', 'status', 'reporter', 'reported', 'session', 'decidedBy', 'decidedAt', 'note', 'distinctReporters', 'priorBlocks', 'priority', 'shield'])],
    ['Block', keysOf<Block>()(['id', 'ip', 'device', 'reason', 'createdBy', 'createdAt', 'expiresAt', 'until', 'liftedAt', 'liftedBy', 'reportId', 'active'])],
    ['Appeal', keysOf<Appeal>()(['id', 'blockId', 'device', 'ip', 'message', 'status', 'createdAt', 'decidedBy', 'decidedAt', 'note'])],
    ['AuditEntry', keysOf<AuditEntry>()(['seq', 'ts', 'actor', 'action', 'target', 'reason', 'details', 'prevHash', 'hash'])],
    ['AuditVerification', keysOf<AuditVerification>()(['ok', 'entries', 'firstBadSeq', 'problem'])],
    ['Account', keysOf<Account>()(['username', 'role', 'createdAt', 'disabled'])],
    ['Reputation', keysOf<Reputation>()(['sessions', 'sessionMs', 'lastSeen', 'reportsReceived', 'distinctReporters', 'reportsMade', 'blocks', 'activeBlock', 'ip', 'device'])],
    ['Stats', keysOf<Stats>()(['onlineUsers', 'queues', 'activeSessions', 'matchesPerMinute', 'p95MatchWaitMs', 'iceSuccessRate', 'turnShare', 'shieldRate', 'shieldBlurs', 'moderation'])],
    ['LoginResult', keysOf<LoginResult>()(['token', 'expiresIn', 'role'])],
    ['Me', keysOf<Me>()(['username', 'role'])],
  ])('%s', (name, keys) => {
    expect([...schemaProperties(name)].sort()).toEqual([...keys].sort());
  });
});

describe('the generic Page', () => {
  it('is the shape of every *Page schema (checked by the compiler)', () => {
    expectTypeOf<Page<Report>>().toEqualTypeOf<Schemas['ReportPage']>();
    expectTypeOf<Page<Block>>().toEqualTypeOf<Schemas['BlockPage']>();
    expectTypeOf<Page<Appeal>>().toEqualTypeOf<Schemas['AppealPage']>();
    expectTypeOf<Page<AuditEntry>>().toEqualTypeOf<Schemas['AuditPage']>();
    expect(schemaProperties('ReportPage').sort()).toEqual(['items', 'nextCursor']);
  });
});
