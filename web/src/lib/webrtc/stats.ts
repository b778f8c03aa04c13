// Turns an RTCStatsReport into the few numbers the quality badge shows:
// round-trip time, recent packet loss, and whether media goes direct or
// through the TURN relay. Pure: the caller keeps the previous summary so loss
// is measured over the last interval, not since the call began.

export type Route = 'direct' | 'relay';
export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

export interface QualitySummary {
  timestamp: number;
  rttMs: number | null;
  lossPercent: number | null; // over the interval since the previous summary
  route: Route | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  quality: Quality;
  packetsReceived: number;
  packetsLost: number;
  video: { framesDecoded: number; frameWidth: number; frameHeight: number; bytesReceived: number } | null;
  audio: { audioLevel: number | null; totalAudioEnergy: number; packetsReceived: number } | null;
  outboundAudioLevel: number | null;
}

type Stat = Record<string, unknown> & { type: string; id: string };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function selectedPair(stats: Stat[]): Stat | undefined {
  const byId = new Map(stats.map((s) => [s.id, s]));
  for (const s of stats) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (pair) return pair;
    }
  }
  // Firefox marks the pair itself.
  return stats.find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')));
}

export function classify(rttMs: number | null, lossPercent: number | null): Quality {
  if (rttMs === null && lossPercent === null) return 'unknown';
  const rtt = rttMs ?? 0;
  const loss = lossPercent ?? 0;
  if (rtt < 200 && loss < 2) return 'good';
  if (rtt < 450 && loss < 8) return 'fair';
  return 'poor';
}

export function summarizeStats(report: Iterable<unknown>, previous: QualitySummary | null, now: number): QualitySummary {
  const stats = [...report].filter((s): s is Stat => typeof s === 'object' && s !== null && 'type' in s && 'id' in s);
  const byId = new Map(stats.map((s) => [s.id, s]));

  const pair = selectedPair(stats);
  const local = pair && typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const remote = pair && typeof pair.remoteCandidateId === 'string' ? byId.get(pair.remoteCandidateId) : undefined;
  const localType = typeof local?.candidateType === 'string' ? local.candidateType : null;
  const remoteType = typeof remote?.candidateType === 'string' ? remote.candidateType : null;
  const route: Route | null = pair ? (localType === 'relay' || remoteType === 'relay' ? 'relay' : 'direct') : null;
  const rtt = num(pair?.currentRoundTripTime);

  let packetsReceived = 0;
  let packetsLost = 0;
  let video: QualitySummary['video'] = null;
  let audio: QualitySummary['audio'] = null;
  let outboundAudioLevel: number | null = null;
  for (const s of stats) {
    if (s.type === 'inbound-rtp') {
      packetsReceived += num(s.packetsReceived) ?? 0;
      packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
      if (s.kind === 'video') {
        video = {
          framesDecoded: num(s.framesDecoded) ?? 0,
          frameWidth: num(s.frameWidth) ?? 0,
          frameHeight: num(s.frameHeight) ?? 0,
          bytesReceived: num(s.bytesReceived) ?? 0,
        };
      } else if (s.kind === 'audio') {
        audio = {
          audioLevel: num(s.audioLevel),
          totalAudioEnergy: num(s.totalAudioEnergy) ?? 0,
          packetsReceived: num(s.packetsReceived) ?? 0,
        };
      }
    } else if (s.type === 'media-source' && s.kind === 'audio') {
      outboundAudioLevel = num(s.audioLevel);
    }
  }

  let lossPercent: number | null = null;
  const dReceived = packetsReceived - (previous?.packetsReceived ?? 0);
  const dLost = packetsLost - (previous?.packetsLost ?? 0);
  if (dReceived + dLost > 0) lossPercent = Math.round((1000 * Math.max(0, dLost)) / (dReceived + Math.max(0, dLost))) / 10;
  else if (previous) lossPercent = previous.lossPercent;

  const rttMs = rtt === null ? null : Math.round(rtt * 1000);
  return {
    timestamp: now,
    rttMs,
    lossPercent,
    route,
    localCandidateType: localType,
    remoteCandidateType: remoteType,
    quality: pair ? classify(rttMs, lossPercent) : 'unknown',
    packetsReceived,
    packetsLost,
    video,
    audio,
    outboundAudioLevel,
  };
}

/** The candidate type that ice_result reports: relay if either end relays, else ours. */
export function reportedCandidateType(s: Pick<QualitySummary, 'localCandidateType' | 'remoteCandidateType'>) {
  const t = s.localCandidateType === 'relay' || s.remoteCandidateType === 'relay' ? 'relay' : s.localCandidateType;
  return t === 'host' || t === 'srflx' || t === 'prflx' || t === 'relay' ? t : undefined;
}
