// The coarse region hint the browser gives the server in `join`: only the
// area of its IANA time zone ("Europe" of "Europe/Berlin"), never the city.
// The server maps the area to a region (docs/protocol.md, join) and uses it
// only when the address gives none.

/** The area of an IANA time-zone name, or null for UTC-like or odd names. */
export function timeZoneArea(timeZone: string | undefined | null): string | null {
  if (!timeZone) return null;
  const area = timeZone.split('/', 1)[0] ?? '';
  if (!/^[A-Za-z_-]{1,32}$/.test(area) || area === 'Etc' || area === timeZone) return null;
  return area;
}

/** The area of this browser's time zone (null where Intl cannot tell). */
export function browserTimeZoneArea(): string | null {
  try {
    return timeZoneArea(Intl.DateTimeFormat().resolvedOptions().timeZone);
  } catch {
    return null;
  }
}
