// Reading what moderators type or paste: one IP or device key, or a pasted
// list of them. Pure. The server checks again (and canonicalizes IPs).

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DEVICE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export function isIp(s: string): boolean {
  if (IPV4.test(s)) return true;
  // IPv6: hex groups and colons, at most one "::", optionally ending in IPv4.
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  if ((s.match(/::/g) ?? []).length > 1) return false;
  const groups = s.split(':');
  return groups.length >= 3 && groups.length <= 8 && groups.every((g) => g === '' || /^[0-9A-Fa-f]{1,4}$/.test(g) || IPV4.test(g));
}

export function isDeviceKey(s: string): boolean {
  return DEVICE_KEY.test(s);
}

/** What one search box holds: an IP address, a device key, or neither. */
export function classify(text: string): { ip: string } | { device: string } | null {
  const t = text.trim();
  if (!t) return null;
  if (isIp(t)) return { ip: t };
  if (isDeviceKey(t)) return { device: t };
  return null;
}

export interface ParsedList {
  values: string[]; // valid, unique, in order
  invalid: string[];
  duplicates: number;
}

/** A pasted list: one per line (or separated by commas, spaces, tabs); "#" starts a comment. */
export function parseList(text: string, kind: 'ip' | 'device'): ParsedList {
  const seen = new Set<string>();
  const values: string[] = [];
  const invalid: string[] = [];
  let duplicates = 0;
  for (const line of text.split(/\r?\n/)) {
    for (const token of line.replace(/#.*$/, '').split(/[\s,;]+/)) {
      if (!token) continue;
      const ok = kind === 'ip' ? isIp(token) : isDeviceKey(token);
      if (!ok) {
        invalid.push(token);
        continue;
      }
      const key = kind === 'ip' ? token.toLowerCase() : token;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      values.push(token);
    }
  }
  return { values, invalid, duplicates };
}
