// The signaling wire messages of contract v1, section 3, as TypeScript types,
// plus decoders that validate untrusted frames. The server may add fields and
// message types: unknown fields are kept but ignored, unknown types decode to
// null (and are dropped by the client), never to a wrongly typed value.

export type Mode = 'video' | 'text';
export type Role = 'offerer' | 'answerer';
export type ReportReason = 'nudity' | 'harassment' | 'spam' | 'underage' | 'violence' | 'other';
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type PeerLeftReason = 'next' | 'leave' | 'disconnect' | 'blocked';
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_in_session'
  | 'too_large'
  | 'rate_limited'
  | 'captcha_required'
  | 'banned'
  | 'internal'
  | (string & {}); // the server may add codes

export const REPORT_REASONS: readonly ReportReason[] = [
  'nudity',
  'harassment',
  'spam',
  'underage',
  'violence',
  'other',
];
const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];
const PEER_LEFT_REASONS: readonly string[] = ['next', 'leave', 'disconnect', 'blocked'];

export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface IceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

// ---- client to server ------------------------------------------------------

interface Base {
  id?: number;
}
export interface HelloMsg extends Base { type: 'hello'; token: string }
export interface JoinMsg extends Base {
  type: 'join';
  mode: Mode;
  languages: string[];
  region?: string;
  interests?: string[];
  /** A region hint: the area of the browser's IANA time zone ("Europe"), max 64 characters. */
  timeZone?: string;
}
export interface OfferMsg extends Base { type: 'offer'; sessionId: string; sdp: string }
export interface AnswerMsg extends Base { type: 'answer'; sessionId: string; sdp: string }
export interface IceMsg extends Base { type: 'ice'; sessionId: string; candidate: IceCandidateInit | null }
export interface NextMsg extends Base { type: 'next' }
export interface LeaveMsg extends Base { type: 'leave' }
export interface ReportMsg extends Base {
  type: 'report';
  sessionId: string;
  reason: ReportReason;
  comment?: string;
  /** The reporter's safety shield verdict on the stranger's video: metadata, never an image. */
  shield?: { verdict: 'nudity' | 'suggestive'; score: number } | null;
}
/** The viewer's safety shield hid this session's video (once per session; no image, no score). */
export interface ShieldBlurMsg extends Base { type: 'shield_blur'; sessionId: string }
export interface IceResultMsg extends Base {
  type: 'ice_result';
  sessionId: string;
  connected: boolean;
  candidateType?: CandidateType;
  timeToConnectMs?: number;
}
export interface CaptchaMsg extends Base { type: 'captcha'; payload: unknown }

export type RelayMsg = OfferMsg | AnswerMsg | IceMsg;
export type ClientMessage =
  | HelloMsg
  | JoinMsg
  | RelayMsg
  | NextMsg
  | LeaveMsg
  | ReportMsg
  | IceResultMsg
  | CaptchaMsg
  | ShieldBlurMsg;

// ---- server to client ------------------------------------------------------

interface Reply {
  re?: number;
}
export interface WelcomeMsg extends Reply {
  type: 'welcome';
  userId: string;
  iceServers: IceServerConfig[];
  limits: Record<string, unknown>;
}
export interface QueuedMsg extends Reply { type: 'queued'; estimatedWaitMs?: number }
export interface PeerInfo {
  languages: string[];
  region?: string | null;
  commonInterests: string[];
}
export interface MatchedMsg extends Reply {
  type: 'matched';
  sessionId: string;
  role: Role;
  peer: PeerInfo;
}
export interface PeerLeftMsg extends Reply { type: 'peer_left'; sessionId: string; reason: PeerLeftReason }
export interface LeftMsg extends Reply { type: 'left' }
export interface ReportAckMsg extends Reply { type: 'report_ack'; reportId: string }
/** `challenge` is an ALTCHA v1 challenge object (contract section 4), handed to the widget as is. */
export interface CaptchaRequiredMsg extends Reply { type: 'captcha_required'; challenge: Record<string, unknown> }
/** The server accepted a `captcha` payload: the client may join again. */
export interface CaptchaOkMsg extends Reply { type: 'captcha_ok' }
export interface BannedMsg extends Reply {
  type: 'banned';
  until: string | null;
  reason: string;
  appealable: boolean;
}
export interface DrainingMsg extends Reply { type: 'draining'; reconnectAfterMs: number }
export interface ErrorMsg extends Reply {
  type: 'error';
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

export type ServerMessage =
  | WelcomeMsg
  | QueuedMsg
  | MatchedMsg
  | OfferMsg
  | AnswerMsg
  | IceMsg
  | PeerLeftMsg
  | LeftMsg
  | ReportAckMsg
  | CaptchaRequiredMsg
  | CaptchaOkMsg
  | BannedMsg
  | DrainingMsg
  | ErrorMsg;

export type ServerMessageType = ServerMessage['type'];

// ---- validation ------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNum(v) && Number.isInteger(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);

function isIceServer(v: unknown): v is IceServerConfig {
  return (
    isObj(v) &&
    (isStr(v.urls) || isStrArray(v.urls)) &&
    optional(v.username, isStr) &&
    optional(v.credential, isStr)
  );
}

function isCandidate(v: unknown): v is IceCandidateInit | null {
  if (v === null) return true;
  return (
    isObj(v) &&
    optional(v.candidate, isStr) &&
    optional(v.sdpMid, (x) => x === null || isStr(x)) &&
    optional(v.sdpMLineIndex, (x) => x === null || isInt(x))
  );
}

function isPeerInfo(v: unknown): v is PeerInfo {
  return (
    isObj(v) &&
    isStrArray(v.languages) &&
    optional(v.region, (x) => x === null || isStr(x)) &&
    isStrArray(v.commonInterests)
  );
}

const serverChecks: { [K in ServerMessageType]: (m: Obj) => boolean } = {
  welcome: (m) => isStr(m.userId) && Array.isArray(m.iceServers) && m.iceServers.every(isIceServer) && isObj(m.limits),
  queued: (m) => optional(m.estimatedWaitMs, isNum),
  matched: (m) => isStr(m.sessionId) && (m.role === 'offerer' || m.role === 'answerer') && isPeerInfo(m.peer),
  offer: (m) => isStr(m.sessionId) && isStr(m.sdp),
  answer: (m) => isStr(m.sessionId) && isStr(m.sdp),
  ice: (m) => isStr(m.sessionId) && 'candidate' in m && isCandidate(m.candidate),
  peer_left: (m) => isStr(m.sessionId) && isStr(m.reason) && PEER_LEFT_REASONS.includes(m.reason),
  left: () => true,
  report_ack: (m) => isStr(m.reportId) || isInt(m.reportId),
  captcha_required: (m) => isObj(m.challenge),
  captcha_ok: () => true,
  banned: (m) => (m.until === null || isStr(m.until)) && isStr(m.reason) && isBool(m.appealable),
  draining: (m) => isNum(m.reconnectAfterMs),
  error: (m) => isStr(m.code) && isStr(m.message) && optional(m.retryAfterMs, isNum),
};

/** Validates an already parsed value as a server message; null if it is not one we know. */
export function asServerMessage(value: unknown): ServerMessage | null {
  if (!isObj(value) || !isStr(value.type) || !optional(value.re, isInt)) return null;
  const check = serverChecks[value.type as ServerMessageType];
  if (!check || !check(value)) return null;
  if (value.type === 'report_ack' && isInt(value.reportId)) {
    return { ...value, reportId: String(value.reportId) } as unknown as ReportAckMsg;
  }
  return value as unknown as ServerMessage;
}

/** Parses one text frame from the server; null for malformed or unknown frames. */
export function decodeServerMessage(frame: string): ServerMessage | null {
  try {
    return asServerMessage(JSON.parse(frame));
  } catch {
    return null;
  }
}

const clientChecks: { [K in ClientMessage['type']]: (m: Obj) => boolean } = {
  hello: (m) => isStr(m.token),
  join: (m) =>
    (m.mode === 'video' || m.mode === 'text') &&
    isStrArray(m.languages) &&
    m.languages.length <= 5 &&
    optional(m.region, isStr) &&
    optional(m.timeZone, (x) => isStr(x) && x.length <= 64) &&
    optional(m.interests, (x) => isStrArray(x) && x.length <= 10),
  offer: (m) => isStr(m.sessionId) && isStr(m.sdp),
  answer: (m) => isStr(m.sessionId) && isStr(m.sdp),
  ice: (m) => isStr(m.sessionId) && 'candidate' in m && isCandidate(m.candidate),
  next: () => true,
  leave: () => true,
  report: (m) =>
    isStr(m.sessionId) &&
    isStr(m.reason) &&
    (REPORT_REASONS as readonly string[]).includes(m.reason) &&
    optional(m.comment, (x) => isStr(x) && [...x].length <= 500) && // code points
    optional(
      m.shield,
      (x) =>
        x === null ||
        (isObj(x) &&
        (x.verdict === 'nudity' || x.verdict === 'suggestive') &&
        typeof x.score === 'number' &&
        x.score >= 0 &&
        x.score <= 1),
    ),
  ice_result: (m) =>
    isStr(m.sessionId) &&
    isBool(m.connected) &&
    optional(m.candidateType, (x) => isStr(x) && CANDIDATE_TYPES.includes(x)) &&
    optional(m.timeToConnectMs, isNum),
  captcha: (m) => m.payload !== undefined,
  shield_blur: (m) => isStr(m.sessionId),
};

/** Validates a client message (used by tests against the golden fixtures). */
export function asClientMessage(value: unknown): ClientMessage | null {
  if (!isObj(value) || !isStr(value.type) || !optional(value.id, isInt)) return null;
  const check = clientChecks[value.type as ClientMessage['type']];
  return check && check(value) ? (value as unknown as ClientMessage) : null;
}

export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

export function isRelayMessage(m: ServerMessage): m is RelayMsg {
  return m.type === 'offer' || m.type === 'answer' || m.type === 'ice';
}
