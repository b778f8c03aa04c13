// Files an appeal against a block: POST /api/v1/appeals {deviceId, message}.
// The server finds the block from the device (and the connection's IP). No React.
import type { Schemas } from '../../lib/api/types';
import type { FetchLike } from '../../lib/signaling/token-source';

export const MAX_APPEAL_CHARS = 2000;

export type AppealOutcome = { ok: true; appealId: number } | { ok: false; code: string };

export async function submitAppeal(fetch: FetchLike, baseUrl: string, deviceId: string, message: string): Promise<AppealOutcome> {
  const text = message.trim().slice(0, MAX_APPEAL_CHARS);
  if (!text) return { ok: false, code: 'empty' };
  let res: Response;
  try {
    res = await fetch(baseUrl + '/api/v1/appeals', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ deviceId, message: text } satisfies Schemas['AppealRequest']),
    });
  } catch {
    return { ok: false, code: 'offline' };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (res.ok) {
    const id: unknown = (body as Partial<Schemas['AppealCreated']> | null)?.appealId;
    return typeof id === 'number' ? { ok: true, appealId: id } : { ok: false, code: 'bad_response' };
  }
  const code: unknown = (body as Partial<Schemas['Error']> | null)?.error?.code;
  return { ok: false, code: typeof code === 'string' ? code : 'http_' + res.status };
}
