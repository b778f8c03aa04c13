// The abuse detector's watch list in the dashboard's words: rules in plain
// language, subjects shortened, the most recent hit first. Pure.
import { formatAge, shortKey } from '../../lib/format';
import type { WatchEntry, WatchRule } from '../../lib/types';

const RULE_LABELS: Record<WatchRule, string> = {
  rapid_join: 'Joins too often',
  rapid_next: 'Skips too often',
  devices_per_ip: 'Many devices on one IP',
  ips_per_device: 'Many IPs for one device',
  distinct_reporters: 'Reported by several people',
  rate_limited: 'Hit a rate limit',
  shield_blur: "Hidden by several viewers' safety shields",
};

/** "Joins too often"; an unknown rule (a newer server) as the server wrote it. */
export function ruleLabel(rule: string): string {
  return RULE_LABELS[rule as WatchRule] ?? rule;
}

export interface WatchRow {
  key: string;
  kind: WatchEntry['kind'];
  subject: string; // what the cell shows
  fullSubject: string; // the whole value, for a title
  rule: string;
  hits: number;
  lastSeen: number;
  captchaPending: boolean;
}

/** The rows to show: most recent hit first (then by subject and rule, so the order is stable). */
export function watchRows(items: readonly WatchEntry[]): WatchRow[] {
  return [...items]
    .sort((a, b) => b.lastSeen - a.lastSeen || a.subject.localeCompare(b.subject) || a.rule.localeCompare(b.rule))
    .map((e) => ({
      key: `${e.kind}|${e.subject}|${e.rule}`,
      kind: e.kind,
      subject: e.kind === 'device' ? shortKey(e.subject, 12) : e.subject,
      fullSubject: e.subject,
      rule: ruleLabel(e.rule),
      hits: e.hits,
      lastSeen: e.lastSeen,
      captchaPending: e.captchaPending,
    }));
}

/** "just now", "5 min ago". */
export function lastSeenText(lastSeen: number, now: number): string {
  const age = formatAge(lastSeen, now);
  return age === 'just now' ? age : `${age} ago`;
}
