// The match-wait heatmap as a grid: one column per UTC hour, one row per
// region, each cell the chosen statistic (or null where nobody was matched
// in that hour). Pure; the chart and its table alternative both read it.
import type { Heatmap, HeatmapCell } from '../../lib/types';

export type Metric = 'p50Ms' | 'p95Ms' | 'avgMs';

export const METRICS: { value: Metric; label: string }[] = [
  { value: 'p50Ms', label: 'Median' },
  { value: 'p95Ms', label: '95th percentile' },
  { value: 'avgMs', label: 'Average' },
];

export interface HeatBin {
  region: string;
  hour: number;
  value: number | null; // milliseconds
  cell: HeatmapCell | null;
}

export interface HeatColumn {
  hour: number;
  bins: HeatBin[]; // one per region, in `regions` order
}

export interface HeatGrid {
  regions: string[];
  columns: HeatColumn[]; // 24, hour 0..23
  max: number; // largest value, 0 when empty
  matches: number; // matches counted in all cells
  slowest: HeatBin | null;
}

export const HOURS = 24;

export function heatmapGrid(data: Heatmap, metric: Metric): HeatGrid {
  const regions = data.regions.map((r) => r.region);
  const byRegion = new Map(data.regions.map((r) => [r.region, new Map(r.cells.map((c) => [c.hour, c]))]));
  let max = 0;
  let matches = 0;
  let slowest: HeatBin | null = null;
  const columns: HeatColumn[] = [];
  for (let hour = 0; hour < HOURS; hour++) {
    const bins = regions.map((region) => {
      const cell = byRegion.get(region)?.get(hour) ?? null;
      const value = cell && cell.count > 0 && Number.isFinite(cell[metric]) ? cell[metric] : null;
      const bin: HeatBin = { region, hour, value, cell };
      if (cell) matches += cell.count;
      if (value !== null && value > max) max = value;
      if (value !== null && (slowest === null || value > (slowest.value ?? 0))) slowest = bin;
      return bin;
    });
    columns.push({ hour, bins });
  }
  return { regions, columns, max, matches, slowest };
}

export function hourLabel(hour: number): string {
  return String(hour).padStart(2, '0') + ':00';
}
