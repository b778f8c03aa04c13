// The dashboard's data: live figures every few seconds (shared with the
// navigation's badges, so passed in), the heatmap every minute.
import { useState } from 'react';
import { useResource } from '../../lib/use-resource';
import { useServices } from '../../lib/services-context';
import { heatmapGrid, type Metric } from './heatmap-model';

export const HEATMAP_REFRESH_MS = 60_000;

export function useMatchWaitHeatmap() {
  const { api } = useServices();
  const heatmap = useResource('match-wait', () => api.matchWait(), HEATMAP_REFRESH_MS);
  const [metric, setMetric] = useState<Metric>('p95Ms');
  const grid = heatmap.data ? heatmapGrid(heatmap.data, metric) : null;
  return { heatmap, grid, metric, setMetric };
}
