// The admin REST API's JSON shapes, as server/src/http/admin_json.cpp writes
// them: camelCase, times in unix milliseconds, absent values as null.

export type Role = 'moderator' | 'admin';

export interface LoginResult {
  token: string;
  expiresIn: number; // seconds
  role: Role;
}

export interface Me {
  username: string;
  role: Role;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Party {
  userId: string | null;
  device: string | null; // keyed device hash, never the raw device id
  ip: string | null;
}

export type ReportStatus = 'pending' | 'accepted' | 'rejected';
export const REPORT_REASONS = ['nudity', 'harassment', 'spam', 'underage', 'violence', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export interface Report {
  id: number;
  createdAt: number;
  sessionId: string;
  reason: string;
  comment: string; // user-written: render as text only
  status: ReportStatus;
  reporter: Party;
  reported: Party;
  session: { startedAt: number; endedAt: number | null; lengthMs: number };
  decidedBy: string | null;
  decidedAt: number | null;
  note: string;
  distinctReporters: number;
  priorBlocks: number;
  /** Jumps the queue: the reported device was blocked automatically pending review. */
  priority: boolean;
}

export interface Block {
  id: number;
  ip: string | null;
  device: string | null;
  reason: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null; // null = permanent
  until: string | null;
  liftedAt: number | null;
  liftedBy: string | null;
  reportId: number | null;
  active: boolean;
}

export type AppealStatus = 'open' | 'accepted' | 'rejected';

export interface Appeal {
  id: number;
  blockId: number;
  device: string | null;
  ip: string | null;
  message: string; // user-written: render as text only
  status: AppealStatus;
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  note: string;
}

export interface AuditEntry {
  seq: number;
  ts: number;
  actor: string; // "admin:alice", "user:u_1", "anonymous", "bootstrap", "cli"
  action: string; // "report.accept", "block.create", ...
  target: string; // "report:12", "block:7", "account:bob"
  reason: string;
  details: unknown; // a JSON object (or, should a row hold anything else, a string)
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  firstBadSeq: number | null;
  problem: string | null;
}

export interface Account {
  username: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export interface Reputation {
  sessions: number;
  sessionMs: number;
  lastSeen: number | null;
  reportsReceived: number;
  distinctReporters: number;
  reportsMade: number;
  blocks: number;
  activeBlock: Block | null;
  ip?: string;
  device?: string;
}

export interface QueueLength {
  mode: 'video' | 'text' | string;
  language: string;
  waiting: number;
}

export interface Stats {
  onlineUsers: number;
  queues: QueueLength[];
  activeSessions: number;
  matchesPerMinute: number;
  p95MatchWaitMs: number | null;
  iceSuccessRate: number | null; // 0..1
  turnShare: number | null; // 0..1
  moderation: { pendingReports: number; openAppeals: number; activeBlocks: number };
}

export interface HeatmapCell {
  hour: number; // 0..23 UTC
  count: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface Heatmap {
  timezone: string;
  hours: number;
  regions: { region: string; cells: HeatmapCell[] }[];
}

export type WatchKind = 'device' | 'ip';
export type WatchRule = 'rapid_join' | 'rapid_next' | 'devices_per_ip' | 'ips_per_device' | 'distinct_reporters' | 'rate_limited';

/** One entry of the abuse detector's watch list (GET /watchlist): one per subject and rule. */
export interface WatchEntry {
  kind: WatchKind;
  subject: string; // a device key (64 hex) or an IP address
  rule: WatchRule;
  count: number; // what the rule counted at its last hit
  hits: number; // how often the rule fired for this subject
  firstSeen: number;
  lastSeen: number;
  captchaRequired: boolean;
  captchaPending: boolean; // always false for an IP
}

// Request bodies and filters.

/** durationS in seconds, or null for a permanent block (admins only). */
export type BlockDuration = number | null;

export type ReportDecision =
  | { action: 'accept'; blockIp: boolean; blockDevice: boolean; duration: BlockDuration; note: string }
  | { action: 'reject'; note: string };

export interface ReportFilter {
  status?: ReportStatus | undefined;
  reason?: string | undefined;
  device?: string | undefined;
  ip?: string | undefined;
}

export interface BlockFilter {
  active?: boolean | undefined;
  ip?: string | undefined;
  device?: string | undefined;
  reportId?: number | undefined;
}

export interface AppealFilter {
  status?: AppealStatus | undefined;
  blockId?: number | undefined;
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  target?: string | undefined;
  since?: number | undefined;
  until?: number | undefined;
}

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}
