// The region x hour heatmap (visx HeatmapRect lays out the cells; we draw
// them so empty hours look empty), named as an image with a summary, and the
// same numbers as a table for screen readers and exact reading.
import { HeatmapRect } from '@visx/heatmap';
import { scaleLinear } from '@visx/scale';
import { useId } from 'react';
import { formatNumber, formatWait } from '../../../lib/format';
import { HOURS, hourLabel, METRICS, type HeatBin, type HeatColumn, type HeatGrid, type Metric } from '../heatmap-model';

const CELL = 30;
const GAP = 3;
const LEFT = 96; // region labels
const TOP = 22; // hour labels
const LEGEND = ['#1e1b4b', '#6d28d9', '#db2777', '#fb7185'];

function colorFor(max: number) {
  const scale = scaleLinear<string>({ domain: [0, max / 3, (2 * max) / 3, max], range: LEGEND });
  return (v: number | null) => (v === null ? '#18181b' : scale(v));
}

export function MatchWaitHeatmap({ grid, metric, onMetric }: { grid: HeatGrid; metric: Metric; onMetric: (m: Metric) => void }) {
  const titleId = useId();
  const metricLabel = METRICS.find((m) => m.value === metric)?.label ?? metric;
  const color = colorFor(grid.max || 1);
  const width = LEFT + HOURS * CELL;
  const height = TOP + Math.max(1, grid.regions.length) * CELL + 4;
  const summary =
    grid.slowest && grid.slowest.value !== null
      ? `${metricLabel} wait for a match by region and UTC hour. Slowest: ${grid.slowest.region} at ${hourLabel(grid.slowest.hour)}, ${formatWait(grid.slowest.value)}. ${formatNumber(grid.matches)} matches counted.`
      : `${metricLabel} wait for a match by region and UTC hour.`;

  return (
    <div className="space-y-4">
      <fieldset className="flex flex-wrap items-center gap-1 text-xs">
        <legend className="sr-only">Statistic</legend>
        {METRICS.map((m) => (
          <label
            key={m.value}
            className="cursor-pointer rounded-full px-3 py-1 text-zinc-300 ring-1 ring-white/10 has-[:checked]:bg-violet-500/20 has-[:checked]:text-violet-100 has-[:checked]:ring-violet-400/40 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-violet-400"
          >
            <input type="radio" name="heatmap-metric" value={m.value} checked={metric === m.value} onChange={() => onMetric(m.value)} className="sr-only" />
            {m.label}
          </label>
        ))}
      </fieldset>

      <div className="overflow-x-auto">
        <svg role="img" aria-labelledby={titleId} viewBox={`0 0 ${width} ${height}`} className="h-auto w-full min-w-[640px]">
          <title id={titleId}>{summary}</title>
          {Array.from({ length: HOURS }, (_, h) =>
            h % 3 === 0 ? (
              <text key={h} x={LEFT + h * CELL + CELL / 2} y={TOP - 8} textAnchor="middle" className="fill-zinc-500 text-[10px]">
                {String(h).padStart(2, '0')}
              </text>
            ) : null,
          )}
          {grid.regions.map((r, i) => (
            <text key={r} x={LEFT - 10} y={TOP + i * CELL + CELL / 2 + 4} textAnchor="end" className="fill-zinc-300 text-[11px]">
              {r.length > 14 ? r.slice(0, 13) + '…' : r}
            </text>
          ))}
          {/* With a render function HeatmapRect leaves placement to us: shift past the labels. */}
          <g transform={`translate(${LEFT}, ${TOP})`}>
          <HeatmapRect<HeatColumn, HeatBin>
            data={grid.columns}
            bins={(c) => c.bins}
            count={(b) => b.value ?? 0}
            xScale={(i) => i * CELL}
            yScale={(i) => i * CELL}
            binWidth={CELL}
            binHeight={CELL}
            gap={GAP}
          >
            {(cells) =>
              cells.map((column) =>
                column.map((c) => (
                  <rect key={`${c.row}-${c.column}`} x={c.x} y={c.y} width={c.width} height={c.height} rx={4} fill={color(c.bin.value)} stroke={c.bin.value === null ? '#27272a' : 'none'}>
                    <title>
                      {c.bin.value === null
                        ? `${c.bin.region}, ${hourLabel(c.bin.hour)} UTC: no matches`
                        : `${c.bin.region}, ${hourLabel(c.bin.hour)} UTC: ${metricLabel.toLowerCase()} ${formatWait(c.bin.value)} over ${c.bin.cell?.count ?? 0} matches`}
                    </title>
                  </rect>
                )),
              )
            }
          </HeatmapRect>
          </g>
        </svg>
      </div>

      <div className="flex flex-wrap items-center justify-between gap-3 text-xs text-zinc-400">
        <div className="flex items-center gap-2" aria-hidden="true">
          <span>0 ms</span>
          <span className="h-2.5 w-40 rounded-full" style={{ background: `linear-gradient(to right, ${LEGEND.join(', ')})` }} />
          <span>{formatWait(grid.max)}</span>
          <span className="ml-3 inline-block h-2.5 w-2.5 rounded-sm bg-zinc-900 ring-1 ring-zinc-700" /> no matches
        </div>
        <span>Hours in UTC · since the server started</span>
      </div>

      <details className="text-sm">
        <summary className="cursor-pointer text-zinc-400 hover:text-zinc-200">Show the numbers as a table</summary>
        <div className="mt-3 overflow-x-auto">
          <table aria-label="Match wait by region and hour" className="w-full text-left text-xs">
            <thead className="text-zinc-400">
              <tr>
                <th scope="col" className="px-2 py-1.5">Region</th>
                <th scope="col" className="px-2 py-1.5">Hour (UTC)</th>
                <th scope="col" className="px-2 py-1.5">Matches</th>
                <th scope="col" className="px-2 py-1.5">Median</th>
                <th scope="col" className="px-2 py-1.5">95th percentile</th>
                <th scope="col" className="px-2 py-1.5">Average</th>
                <th scope="col" className="px-2 py-1.5">Longest</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-white/5 text-zinc-200">
              {grid.columns.flatMap((col) =>
                col.bins
                  .filter((b) => b.cell)
                  .map((b) => (
                    <tr key={`${b.region}-${b.hour}`}>
                      <th scope="row" className="px-2 py-1.5 font-medium">{b.region}</th>
                      <td className="px-2 py-1.5">{hourLabel(b.hour)}</td>
                      <td className="px-2 py-1.5">{formatNumber(b.cell?.count)}</td>
                      <td className="px-2 py-1.5">{formatWait(b.cell?.p50Ms)}</td>
                      <td className="px-2 py-1.5">{formatWait(b.cell?.p95Ms)}</td>
                      <td className="px-2 py-1.5">{formatWait(b.cell?.avgMs)}</td>
                      <td className="px-2 py-1.5">{formatWait(b.cell?.maxMs)}</td>
                    </tr>
                  )),
              )}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
