// How audit entries read in the viewer. Pure.

export const AUDIT_ACTIONS: { value: string; label: string }[] = [
  { value: 'report.create', label: 'Report filed' },
  { value: 'report.accept', label: 'Report accepted' },
  { value: 'report.reject', label: 'Report rejected' },
  { value: 'report.prioritize', label: 'Reports prioritized' },
  { value: 'block.create', label: 'Block created' },
  { value: 'block.lift', label: 'Block lifted' },
  { value: 'appeal.create', label: 'Appeal filed' },
  { value: 'appeal.accept', label: 'Appeal accepted' },
  { value: 'appeal.reject', label: 'Appeal rejected' },
  { value: 'account.create', label: 'Account created' },
  { value: 'account.password', label: 'Password changed' },
  { value: 'account.disable', label: 'Account disabled' },
  { value: 'account.enable', label: 'Account enabled' },
  { value: 'admin.login', label: 'Signed in' },
];

export function actionLabel(action: string): string {
  return AUDIT_ACTIONS.find((a) => a.value === action)?.label ?? action;
}

/** "blockDevice: yes · durationS: 86400" from the details object (or the text, as it was stored). */
export function describeDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  if (Array.isArray(details)) return details.map((d) => (typeof d === 'object' ? JSON.stringify(d) : String(d))).join(', ');
  return Object.entries(details as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${v === true ? 'yes' : v === false ? 'no' : v === null ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}

/** A datetime-local value ("2026-09-21T14:05") as unix ms, or undefined when empty or invalid. */
export function parseLocalDateTime(value: string): number | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? t : undefined;
}
