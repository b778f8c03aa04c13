// How the dashboard writes times, durations, rates and reasons. Pure.

export const DASH = '—';

const REASON_LABELS: Record<string, string> = {
  nudity: 'Nudity or sexual content',
  harassment: 'Harassment or hate',
  spam: 'Spam or advertising',
  underage: 'Looks under 18',
  violence: 'Violence or threats',
  other: 'Something else',
};

export function reasonLabel(reason: string): string {
  return REASON_LABELS[reason] ?? reason;
}

/** "just now", "42 s", "5 min", "3 h 10 min", "2 d 4 h" since `then`. */
export function formatAge(then: number, now: number): string {
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** A fixed, sortable local date and time: "2026-09-21 14:05:09". */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "850 ms", "2.4 s", "1 min 5 s". */
export function formatWait(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
}

/** 0.975 -> "97.5 %". */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return DASH;
  const pct = r * 100;
  return `${pct >= 99.95 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)} %`;
}

export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A session length: "42 s", "3 min 20 s", "1 h 2 min". */
export function formatLength(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** The longest block a moderator may make (seconds); longer and permanent ones need the admin role. */
export const MODERATOR_MAX_BLOCK_S = 30 * 86_400;

/** Whether `role` may choose a block of `seconds` (null = permanent). */
export function durationAllowed(role: string, seconds: number | null): boolean {
  return role === 'admin' || (seconds !== null && seconds <= MODERATOR_MAX_BLOCK_S);
}

/** Block lengths offered in forms; null = permanent (admins only), over 30 days admins only. */
export const DURATIONS: { label: string; seconds: number | null }[] = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
  { label: '1 year', seconds: 365 * 86_400 },
  { label: 'Permanent', seconds: null },
];

export function durationLabel(seconds: number | null): string {
  return DURATIONS.find((d) => d.seconds === seconds)?.label ?? (seconds === null ? 'Permanent' : `${seconds} s`);
}

/** "Permanent", "until 2026-09-21 14:05:09", "lifted", "expired". */
export function blockState(b: { active: boolean; expiresAt: number | null; liftedAt: number | null }): string {
  if (b.liftedAt !== null) return 'Lifted';
  if (!b.active) return 'Expired';
  return b.expiresAt === null ? 'Permanent' : `Until ${formatDateTime(b.expiresAt)}`;
}

/** A device key is long; its start is enough to tell two apart at a glance. */
export function shortKey(key: string | null | undefined, n = 10): string {
  if (!key) return DASH;
  return key.length > n + 1 ? key.slice(0, n) + '…' : key;
}
