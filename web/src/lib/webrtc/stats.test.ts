import { describe, expect, it } from 'vitest';
import { classify, reportedCandidateType, summarizeStats } from './stats';

const pairStats = (local: string, remote: string, rtt = 0.042) => [
  { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
  { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: rtt, state: 'succeeded' },
  { id: 'L', type: 'local-candidate', candidateType: local },
  { id: 'R', type: 'remote-candidate', candidateType: remote },
];
const inbound = (kind: string, received: number, lost: number, extra: Record<string, unknown> = {}) => ({
  id: 'in-' + kind,
  type: 'inbound-rtp',
  kind,
  packetsReceived: received,
  packetsLost: lost,
  ...extra,
});

describe('summarizeStats', () => {
  it('reads RTT, route and decoded video from the selected pair', () => {
    const s = summarizeStats(
      [...pairStats('host', 'host'), inbound('video', 900, 0, { framesDecoded: 120, frameWidth: 640, frameHeight: 480 }), inbound('audio', 100, 0, { audioLevel: 0.3, totalAudioEnergy: 1.5 })],
      null,
      1000,
    );
    expect(s).toMatchObject({
      rttMs: 42,
      route: 'direct',
      localCandidateType: 'host',
      quality: 'good',
      lossPercent: 0,
      video: { framesDecoded: 120, frameWidth: 640, frameHeight: 480 },
      audio: { audioLevel: 0.3, totalAudioEnergy: 1.5 },
    });
  });

  it.each([
    ['host', 'host', 'direct'],
    ['srflx', 'prflx', 'direct'],
    ['relay', 'host', 'relay'],
    ['host', 'relay', 'relay'],
  ])('local %s and remote %s is %s', (local, remote, route) => {
    expect(summarizeStats(pairStats(local, remote), null, 0).route).toBe(route);
  });

  it('measures loss over the last interval only', () => {
    const first = summarizeStats([...pairStats('host', 'host'), inbound('video', 1000, 100)], null, 0);
    expect(first.lossPercent).toBe(9.1);
    const second = summarizeStats([...pairStats('host', 'host'), inbound('video', 1990, 110)], first, 2000);
    expect(second.lossPercent).toBe(1); // 10 lost of 1000 since the first sample
    const idle = summarizeStats([...pairStats('host', 'host'), inbound('video', 1990, 110)], second, 4000);
    expect(idle.lossPercent).toBe(1); // nothing new: keep the last figure
  });

  it('without a selected pair nothing is known yet', () => {
    const s = summarizeStats([inbound('audio', 0, 0)], null, 0);
    expect(s).toMatchObject({ route: null, rttMs: null, quality: 'unknown', video: null });
  });

  it('falls back to a pair marked selected (Firefox)', () => {
    const stats = [
      { id: 'P', type: 'candidate-pair', selected: true, localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.3 },
      { id: 'L', type: 'local-candidate', candidateType: 'relay' },
      { id: 'R', type: 'remote-candidate', candidateType: 'srflx' },
    ];
    expect(summarizeStats(stats, null, 0)).toMatchObject({ route: 'relay', rttMs: 300, quality: 'fair' });
  });

  it.each([
    [null, null, 'unknown'],
    [50, 0, 'good'],
    [250, 1, 'fair'],
    [100, 5, 'fair'],
    [500, 0, 'poor'],
    [50, 12, 'poor'],
  ] as const)('classify(rtt %s, loss %s) = %s', (rtt, loss, q) => {
    expect(classify(rtt, loss)).toBe(q);
  });

  it.each([
    ['host', 'host', 'host'],
    ['srflx', 'relay', 'relay'],
    ['prflx', 'host', 'prflx'],
    [null, null, undefined],
  ] as const)('ice_result candidate type for %s/%s is %s', (local, remote, expected) => {
    expect(reportedCandidateType({ localCandidateType: local, remoteCandidateType: remote })).toBe(expected);
  });
});
