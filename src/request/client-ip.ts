/**
 * The client's address. Proxy headers are believed only with `trustProxy`: `true` takes the
 * first (client-most) X-Forwarded-For entry, a number N trusts the N proxies nearest the server.
 */
import type { IncomingMessage } from 'node:http';

export function clientIp(req: IncomingMessage, trustProxy: boolean | number): string {
  const peer = req.socket?.remoteAddress ?? '';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  if (!header) return peer;
  const hops = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (hops.length === 0) return peer;
  if (trustProxy === true) return hops[0]!;
  // With N trusted proxies, the client is the entry N places from the right (the peer is the last proxy).
  const index = hops.length - trustProxy;
  return index >= 0 ? hops[index]! : hops[0]!;
}

/**
 * The scheme the client used: `https` on a TLS socket; with `trustProxy`, the
 * `X-Forwarded-Proto` a trusted proxy set (the client-most value for `true`, the one N proxies
 * from the server for a hop count N); else `http`.
 * @example requestScheme(req, true) // 'https' behind a TLS-terminating proxy
 */
export function requestScheme(req: IncomingMessage, trustProxy: boolean | number): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return 'https';
  if (!trustProxy) return 'http';
  const header = req.headers['x-forwarded-proto'];
  if (!header) return 'http';
  const hops = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (hops.length === 0) return 'http';
  const proto = trustProxy === true ? hops[0] : hops[Math.max(0, hops.length - trustProxy)];
  return proto === 'https' ? 'https' : 'http';
}
