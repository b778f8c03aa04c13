import { describe, expect, it } from 'vitest';
import type { Heatmap } from '../../lib/types';
import { heatmapGrid, hourLabel } from './heatmap-model';

const cell = (hour: number, count: number, p95Ms: number) => ({ hour, count, avgMs: p95Ms / 2, p50Ms: p95Ms / 3, p95Ms, maxMs: p95Ms * 2 });

const DATA: Heatmap = {
  timezone: 'UTC',
  hours: 24,
  regions: [
    { region: 'eu', cells: [cell(0, 3, 900), cell(14, 10, 2400)] },
    { region: 'us', cells: [cell(14, 1, 300)] },
  ],
};

describe('heatmapGrid', () => {
  it('lays out 24 hour columns with one bin per region, nulls where nobody was matched', () => {
    const g = heatmapGrid(DATA, 'p95Ms');
    expect(g.regions).toEqual(['eu', 'us']);
    expect(g.columns).toHaveLength(24);
    expect(g.columns[14]!.bins.map((b) => b.value)).toEqual([2400, 300]);
    expect(g.columns[0]!.bins.map((b) => b.value)).toEqual([900, null]);
    expect(g.columns[5]!.bins.map((b) => b.value)).toEqual([null, null]);
    expect(g.matches).toBe(14);
  });

  it.each([
    ['p95Ms', 2400, 'eu', 14],
    ['p50Ms', 800, 'eu', 14],
    ['avgMs', 1200, 'eu', 14],
  ] as const)('with %s the maximum is %i (%s at %i h)', (metric, max, region, hour) => {
    const g = heatmapGrid(DATA, metric);
    expect(g.max).toBe(max);
    expect(g.slowest).toMatchObject({ region, hour, value: max });
  });

  it('an empty snapshot has no regions, no maximum and no slowest cell', () => {
    const g = heatmapGrid({ timezone: 'UTC', hours: 24, regions: [] }, 'p95Ms');
    expect(g).toMatchObject({ regions: [], max: 0, matches: 0, slowest: null });
  });

  it('hourLabel', () => {
    expect(hourLabel(7)).toBe('07:00');
  });
});
