/**
 * Who the client is and which scheme it used, from the peer address and the proxy headers.
 * Proxy headers are believed only with `trustProxy`: `true` takes the client-most entry, a
 * number N trusts the N proxies nearest the server (each appends one entry). Pure functions of
 * header values, so every transport shares them.
 */

type HeaderValue = string | string[] | undefined;

/** The comma-separated entries of a (possibly repeated) header, trimmed. */
function entries(header: HeaderValue): string[] {
  if (!header) return [];
  return (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The entry a trusted proxy chain vouches for (see the module comment). */
function trusted(list: string[], trustProxy: true | number): string | undefined {
  if (list.length === 0) return undefined;
  if (trustProxy === true) return list[0];
  // With N trusted proxies, the client is the entry N places from the right (the peer is the last proxy).
  const index = list.length - trustProxy;
  return index >= 0 ? list[index] : list[0];
}

/**
 * The client's address: the peer's, or with `trustProxy` the one `X-Forwarded-For` vouches for.
 * @example clientIp('10.0.0.2', '203.0.113.7, 10.0.0.2', 1) // '203.0.113.7'
 */
export function clientIp(
  peer: string,
  forwardedFor: HeaderValue,
  trustProxy: boolean | number,
): string {
  if (!trustProxy) return peer;
  return trusted(entries(forwardedFor), trustProxy) ?? peer;
}

/**
 * The scheme the client used: `https` on TLS; with `trustProxy`, what a trusted proxy set in
 * `X-Forwarded-Proto`; else `http`.
 * @example requestScheme(false, 'https', true) // 'https' behind a TLS-terminating proxy
 */
export function requestScheme(
  encrypted: boolean,
  forwardedProto: HeaderValue,
  trustProxy: boolean | number,
): 'http' | 'https' {
  if (encrypted) return 'https';
  if (!trustProxy) return 'http';
  return trusted(entries(forwardedProto), trustProxy)?.toLowerCase() === 'https' ? 'https' : 'http';
}
