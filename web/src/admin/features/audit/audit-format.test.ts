import { describe, expect, it } from 'vitest';
import { actionLabel, describeDetails, parseLocalDateTime } from './audit-format';

describe('audit format', () => {
  it.each([
    [{ reason: 'spam', blockIp: false, blockDevice: true, durationS: 86400 }, 'reason: spam · blockIp: no · blockDevice: yes · durationS: 86400'],
    [{ durationS: null }, 'durationS: none'],
    [{ ids: [1, 2] }, 'ids: [1,2]'],
    ['stored as text', 'stored as text'],
    [{}, ''],
    [null, ''],
  ])('describeDetails(%j)', (d, text) => expect(describeDetails(d)).toBe(text));

  it('labels known actions and keeps unknown ones', () => {
    expect(actionLabel('report.accept')).toBe('Report accepted');
    expect(actionLabel('x.y')).toBe('x.y');
  });

  it('parses datetime-local values', () => {
    expect(parseLocalDateTime('')).toBeUndefined();
    expect(parseLocalDateTime('garbage')).toBeUndefined();
    expect(parseLocalDateTime('2026-09-21T14:05')).toBe(new Date(2026, 8, 21, 14, 5).getTime());
  });
});
