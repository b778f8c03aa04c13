// The admin REST API's JSON shapes: aliases of the types generated from
// docs/openapi.yaml (lib/api/openapi.d.ts, `npm run gen:api`): camelCase, times
// in unix milliseconds, absent values as null. Below them, the dashboard's own
// request models (filters, decisions), tied to the generated query parameters.
import type { JsonResponse, Query, Schemas } from '../../lib/api/types';

export type Role = Schemas['Role'];
export type LoginResult = Schemas['LoginResult']; // expiresIn in seconds
export type Me = Schemas['Me'];

/** One page of a list route (the shape of ReportPage, BlockPage, AppealPage and AuditPage). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One side of a session; `device` is the keyed device hash, never the raw device id. */
export type Party = Schemas['Party'];

export type ReportStatus = Schemas['ReportStatus'];
export type ReportReason = Schemas['ReportReason'];
export const REPORT_REASONS = ['nudity', 'harassment', 'spam', 'underage', 'violence', 'other'] as const satisfies readonly ReportReason[];

/** `comment` is user-written: render as text only. `priority`: the reported device was blocked automatically pending review. */
export type Report = Schemas['Report'];
/** `expiresAt` null = permanent. */
export type Block = Schemas['Block'];
export type ReportDecisionResult = Schemas['ReportDecisionResult'];

export type AppealStatus = Schemas['AppealStatus'];
/** `message` is user-written: render as text only. */
export type Appeal = Schemas['Appeal'];

/** actor "admin:alice", "user:u_1", "anonymous", "bootstrap", "cli"; action "report.accept", ...; target "report:12", ... */
export type AuditEntry = Schemas['AuditEntry'];
export type AuditVerification = Schemas['AuditVerification'];

export type Account = Schemas['Account'];
export type Reputation = Schemas['Reputation'];

export type Stats = Schemas['Stats']; // iceSuccessRate and turnShare in 0..1
export type QueueLength = Stats['queues'][number];

export type Heatmap = Schemas['MatchWaitHeatmap'];
export type HeatmapCell = Heatmap['regions'][number]['cells'][number]; // hour 0..23 UTC

/** One entry of the abuse detector's watch list (GET /watchlist): one per subject and rule. */
export type WatchEntry = JsonResponse<'getWatchList', 200>['items'][number];
export type WatchKind = WatchEntry['kind'];
export type WatchRule = WatchEntry['rule'];

// The dashboard's request models. The client turns them into the wire bodies
// (Schemas['ReportDecision'], Schemas['BlockDuration'], ...) in api-client.ts.

/** Seconds, or null for a permanent block (admins only). */
export type BlockDuration = number | null;

export type ReportDecision =
  | { action: 'accept'; blockIp: boolean; blockDevice: boolean; duration: BlockDuration; note: string }
  | { action: 'reject'; note: string };

/** Some of a route's query parameters, each of which a form may clear (undefined). */
type Filter<Q, K extends keyof Q> = { [P in K]?: Q[P] | undefined };

export type ReportFilter = Filter<Query<'listReports'>, 'status' | 'reason' | 'device' | 'ip'>;
/** `active` goes on the wire as "true" / "false". */
export type BlockFilter = Filter<Query<'listBlocks'>, 'ip' | 'device' | 'reportId'> & { active?: boolean | undefined };
export type AppealFilter = Filter<Query<'listAppeals'>, 'status' | 'blockId'>;
export type AuditFilter = Filter<Query<'listAudit'>, 'actor' | 'action' | 'target' | 'since' | 'until'>;
export type PageRequest = Filter<Query<'listReports'>, 'limit' | 'cursor'>;
