// The accept / reject form's state and what a decision says once made. Pure.
import { durationLabel } from '../../lib/format';
import type { Block, ReportDecision, Role } from '../../lib/types';

export interface DecisionDraft {
  blockDevice: boolean;
  blockIp: boolean;
  duration: number | null; // seconds; null = permanent
  note: string;
}

// IPs are shared (carrier NAT, offices): the device is the default target.
export const DEFAULT_DRAFT: DecisionDraft = { blockDevice: true, blockIp: false, duration: 86_400, note: '' };

/** Why accepting is not possible as drafted, or null. */
export function acceptProblem(d: DecisionDraft, role: Role, reported: { device: string | null; ip: string | null }): string | null {
  if (!d.blockDevice && !d.blockIp) return 'Choose a device block, an IP block or both.';
  if (d.blockDevice && !reported.device) return "The reported user's device is not known.";
  if (d.blockIp && !reported.ip) return "The reported user's IP address is not known.";
  if (d.duration === null && role !== 'admin') return 'Only admins may block permanently.';
  return null;
}

export function toDecision(action: 'accept' | 'reject', d: DecisionDraft): ReportDecision {
  const note = d.note.trim();
  return action === 'accept'
    ? { action: 'accept', blockDevice: d.blockDevice, blockIp: d.blockIp, duration: d.duration, note }
    : { action: 'reject', note };
}

export function decisionMessage(id: number, action: 'accept' | 'reject', block: Block | null): string {
  if (action === 'reject') return `Report ${id} rejected.`;
  if (!block) return `Report ${id} accepted.`;
  const what = [block.device ? 'device' : null, block.ip ? 'IP address' : null].filter(Boolean).join(' and ');
  const duration = block.expiresAt === null ? 'permanently' : `for ${durationLabel(Math.round((block.expiresAt - block.createdAt) / 1000)).toLowerCase()}`;
  return `Report ${id} accepted: ${what} blocked ${duration} (block ${block.id}).`;
}
