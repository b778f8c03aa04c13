// A recording fetch for the admin API tests: answers from a route table, keeps every call.
import type { FetchLike } from '../lib/api-client';

export interface Call {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function fakeFetch(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const headers = new Headers(init?.headers);
    const call: Call = {
      method: init?.method ?? 'GET',
      url,
      auth: headers.get('Authorization'),
      body: init?.body ? JSON.parse(String(init.body)) : null,
    };
    calls.push(call);
    return respond(call);
  };
  return { fetch, calls };
}
