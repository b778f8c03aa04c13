import { useI18n } from '../../../i18n/i18n-context';
import type { QualitySummary } from '../../../lib/webrtc/stats';

const bars = { good: 3, fair: 2, poor: 1, unknown: 0 } as const;
const color = { good: 'bg-emerald-400', fair: 'bg-amber-400', poor: 'bg-rose-500', unknown: 'bg-zinc-500' } as const;

/** Round-trip time, recent loss, and direct vs relayed, from getStats. */
export function QualityBadge({ quality }: { quality: QualitySummary | null }) {
  const { t } = useI18n();
  if (!quality) return null;
  const q = quality.quality;
  const word = { good: t.qualityGood, fair: t.qualityFair, poor: t.qualityPoor, unknown: t.qualityUnknown }[q];
  const parts = [word];
  if (quality.rttMs !== null) parts.push(t.rtt(quality.rttMs));
  if (quality.lossPercent !== null && quality.lossPercent > 0) parts.push(t.loss(quality.lossPercent));
  if (quality.route) parts.push(quality.route === 'relay' ? t.routeRelay : t.routeDirect);
  const label = `${t.quality}: ${parts.join(', ')}`;
  return (
    <div
      role="img"
      aria-label={label}
      title={label}
      className="flex items-center gap-2 rounded-full bg-zinc-900/80 px-3 py-1.5 text-xs text-zinc-300 ring-1 ring-white/10"
    >
      <span aria-hidden="true" className="flex items-end gap-0.5">
        {[1, 2, 3].map((i) => (
          <span key={i} className={'w-1 rounded-sm ' + (i <= bars[q] ? color[q] : 'bg-zinc-700')} style={{ height: 4 + i * 3 }} />
        ))}
      </span>
      <span aria-hidden="true" className="hidden tabular-nums sm:inline">
        {parts.slice(1).join(' · ') || word}
      </span>
    </div>
  );
}
