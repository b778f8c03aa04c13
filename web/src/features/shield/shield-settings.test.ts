import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from './shield-machine';
import { parseTuning } from './shield-settings';

describe('test-only shield tuning', () => {
  it('defaults without the key or with junk', () => {
    for (const raw of [null, '', 'not json', '[1]', '{"hideAt":"0"}', '{"hideAt":2}', '{"backend":"gpu"}']) {
      const t = parseTuning(raw);
      expect(t.thresholds).toEqual(DEFAULT_THRESHOLDS);
      expect(t.backend).toBe('auto');
      expect(t.stats).toBe(false);
    }
  });
  it('hideAt 0 makes everything unsafe; backend and stats pass through', () => {
    const t = parseTuning('{"hideAt":0,"backend":"cpu","stats":true}');
    expect(t.thresholds.hideAt).toBe(0);
    expect(t.thresholds.clearBelow).toBe(0);
    expect(t.backend).toBe('cpu');
    expect(t.stats).toBe(true);
  });
});
