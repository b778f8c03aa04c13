// The admin REST API client: one typed method per route, no React. The bearer
// token comes from the session on every call; a 401 on an authenticated call
// means the session is over (expired, account disabled), and is reported to
// `onUnauthorized` so the app can return to the login page. Bodies and answers
// are typed from docs/openapi.yaml (lib/api/types.ts).
import type { JsonResponse, Schemas } from '../../lib/api/types';
import type {
  Appeal,
  AppealFilter,
  AuditEntry,
  AuditFilter,
  AuditVerification,
  Block,
  BlockDuration,
  BlockFilter,
  Heatmap,
  LoginResult,
  Me,
  Page,
  PageRequest,
  Report,
  ReportDecision,
  ReportDecisionResult,
  ReportFilter,
  Reputation,
  Role,
  Stats,
} from './types';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** A refused or failed call: the server's error code (or network / http_NNN) and message. */
export class AdminApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number, // 0 when the server was not reached
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminApiOptions {
  fetch: FetchLike;
  baseUrl?: string; // '' for same origin
  /** The current admin token, or null when signed out. */
  token: () => string | null;
  /** Called once per 401 on a call that carried a token. */
  onUnauthorized: (error: AdminApiError) => void;
}

type QueryValue = string | number | boolean | null | undefined;

/** "?a=1&b=x" from the set values (empty strings, null and undefined left out), or "". */
export function queryString(params: Record<string, QueryValue>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

function durationBody(duration: BlockDuration): Schemas['BlockDuration'] {
  return duration === null ? { permanent: true } : { durationS: duration };
}

async function readError(res: Response): Promise<AdminApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's error page)
  }
  const err = (body as { error?: Record<string, unknown> } | null)?.error ?? {};
  const header = Number(res.headers.get('Retry-After'));
  const retryAfterMs =
    typeof err.retryAfterMs === 'number' ? err.retryAfterMs : Number.isFinite(header) && header > 0 ? header * 1000 : undefined;
  return new AdminApiError(
    typeof err.code === 'string' ? err.code : 'http_' + res.status,
    res.status,
    typeof err.message === 'string' ? err.message : res.statusText || 'request failed',
    retryAfterMs,
  );
}

export class AdminApi {
  private readonly base: string;

  constructor(private readonly opts: AdminApiOptions) {
    this.base = (opts.baseUrl ?? '') + '/api/v1/admin';
  }

  // ---- session
  login(username: string, password: string): Promise<LoginResult> {
    return this.call('POST', '/login', { username, password } satisfies Schemas['LoginRequest'], { auth: false });
  }
  me(): Promise<Me> {
    return this.call('GET', '/me');
  }
  /** Revokes every token of this account on the server (every sign-in of it ends). */
  logout(): Promise<void> {
    return this.call('POST', '/logout');
  }

  // ---- reports
  reports(filter: ReportFilter = {}, page: PageRequest = {}): Promise<Page<Report>> {
    return this.call('GET', '/reports' + queryString({ ...filter, ...page }));
  }
  report(id: number): Promise<Report> {
    return this.call('GET', `/reports/${id}`);
  }
  decideReport(id: number, d: ReportDecision): Promise<ReportDecisionResult> {
    const body: Schemas['ReportDecision'] =
      d.action === 'accept'
        ? { action: 'accept', blockIp: d.blockIp, blockDevice: d.blockDevice, ...durationBody(d.duration), note: d.note }
        : { action: 'reject', note: d.note };
    return this.call('POST', `/reports/${id}/decision`, body);
  }

  // ---- blocks
  blocks(filter: BlockFilter = {}, page: PageRequest = {}): Promise<Page<Block>> {
    return this.call('GET', '/blocks' + queryString({ ...filter, ...page }));
  }
  createBlock(b: { ip?: string; device?: string; duration: BlockDuration; reason: string }): Promise<Block> {
    return this.call('POST', '/blocks', {
      ...(b.ip ? { ip: b.ip } : {}),
      ...(b.device ? { device: b.device } : {}),
      ...durationBody(b.duration),
      reason: b.reason,
    } satisfies Schemas['BlockRequest']);
  }
  bulkBlock(kind: 'ip' | 'device', values: string[], duration: BlockDuration, reason: string): Promise<Schemas['BlockList']> {
    return this.call('POST', '/blocks/bulk', {
      [kind === 'ip' ? 'ips' : 'devices']: values,
      ...durationBody(duration),
      reason,
    });
  }
  liftBlock(id: number, reason: string): Promise<Block> {
    return this.call('DELETE', `/blocks/${id}`, { reason } satisfies Schemas['LiftRequest']);
  }

  // ---- appeals
  appeals(filter: AppealFilter = {}, page: PageRequest = {}): Promise<Page<Appeal>> {
    return this.call('GET', '/appeals' + queryString({ ...filter, ...page }));
  }
  decideAppeal(id: number, action: 'accept' | 'reject', note: string): Promise<Appeal> {
    return this.call('POST', `/appeals/${id}/decision`, { action, note } satisfies Schemas['AppealDecision']);
  }

  // ---- insight
  reputation(by: { ip: string } | { device: string }): Promise<Reputation> {
    return this.call('GET', '/reputation' + queryString(by));
  }
  stats(): Promise<Stats> {
    return this.call('GET', '/stats');
  }
  matchWait(): Promise<Heatmap> {
    return this.call('GET', '/analytics/match-wait');
  }
  watchList(): Promise<JsonResponse<'getWatchList', 200>> {
    return this.call('GET', '/watchlist');
  }
  audit(filter: AuditFilter = {}, page: PageRequest = {}): Promise<Page<AuditEntry>> {
    return this.call('GET', '/audit' + queryString({ ...filter, ...page }));
  }
  verifyAudit(): Promise<AuditVerification> {
    return this.call('GET', '/audit/verify');
  }

  // ---- accounts (admin role)
  accounts(): Promise<Schemas['AccountList']> {
    return this.call('GET', '/accounts');
  }
  createAccount(username: string, password: string, role: Role): Promise<JsonResponse<'createAccount', 201>> {
    return this.call('POST', '/accounts', { username, password, role } satisfies Schemas['AccountCreateRequest']);
  }
  setPassword(username: string, password: string): Promise<void> {
    return this.call('POST', `/accounts/${encodeURIComponent(username)}/password`, { password } satisfies Schemas['PasswordRequest']);
  }
  setDisabled(username: string, disabled: boolean): Promise<void> {
    return this.call('POST', `/accounts/${encodeURIComponent(username)}/${disabled ? 'disable' : 'enable'}`, {});
  }

  private async call<T>(method: string, path: string, body?: unknown, { auth = true } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? this.opts.token() : null;
    if (auth) {
      if (!token) {
        const err = new AdminApiError('unauthorized', 401, 'not signed in');
        this.opts.onUnauthorized(err);
        throw err;
      }
      headers.Authorization = 'Bearer ' + token;
    }
    let res: Response;
    try {
      res = await this.opts.fetch(this.base + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
      });
    } catch (e) {
      throw new AdminApiError('network', 0, e instanceof Error ? e.message : 'network error');
    }
    if (!res.ok) {
      const err = await readError(res);
      if (auth && res.status === 401) this.opts.onUnauthorized(err);
      throw err;
    }
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new AdminApiError('bad_response', res.status, 'the server sent a malformed answer');
    }
  }
}
