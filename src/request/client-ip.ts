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
