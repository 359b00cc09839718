/**
 * Where a key lives when the Redis hub spreads topics: Redis Cluster's key slot (CRC16 of the
 * key's hash tag, modulo 16384), which also picks the instance in client-side `shards` mode, and
 * the parsing of `CLUSTER SLOTS` into a slot-to-primary table.
 */

/**
 * Slots in a Redis Cluster.
 * @example keySlot(key) < SLOT_COUNT // always
 */
export const SLOT_COUNT = 16384;

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC16-XMODEM (polynomial 0x1021, initial 0): the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/**
 * The part of a key Redis Cluster hashes: the text between the first `{` and the first `}`
 * after it when that is not empty, else the whole key.
 * @example hashTag('app:{t:room}s') // 't:room'
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/**
 * The Redis Cluster slot of a key (what `CLUSTER KEYSLOT` answers).
 * @example keySlot('123456789') // 12739
 */
export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key), 'utf8')) % SLOT_COUNT;
}

/**
 * One primary of a cluster as `CLUSTER SLOTS` names it.
 * @example { addr: '10.0.0.5:6379', host: '10.0.0.5', port: 6379 }
 */
export interface ClusterPrimary {
  /** `host:port`, the shard's name in the hub. */
  addr: string;
  host: string;
  port: number;
}

/**
 * The owner of every slot from a `CLUSTER SLOTS` reply (`[start, end, [host, port, id], ...]`
 * per range; RESP2 arrays): one `host:port` per slot, `undefined` for a slot no range covers.
 * An empty host (a node that does not know its own address) is read as `fallbackHost`.
 * @example parseClusterSlots(await cmd.sendCommand(['CLUSTER', 'SLOTS']), '127.0.0.1').owners[0]
 */
export function parseClusterSlots(
  reply: unknown,
  fallbackHost: string,
): { owners: (string | undefined)[]; primaries: Map<string, ClusterPrimary> } {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SLOTS: not an array');
  const owners = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  const primaries = new Map<string, ClusterPrimary>();
  for (const range of reply as unknown[]) {
    if (!Array.isArray(range) || range.length < 3 || !Array.isArray(range[2])) continue;
    const start = Number(range[0]);
    const end = Number(range[1]);
    const node = range[2] as unknown[];
    const host = String(node[0] ?? '') || fallbackHost;
    const port = Number(node[1]);
    if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(port)) continue;
    if (start < 0 || end >= SLOT_COUNT || start > end || port <= 0 || port > 65535) continue;
    const addr = `${host}:${port}`;
    primaries.set(addr, { addr, host, port });
    for (let s = start; s <= end; s++) owners[s] = addr;
  }
  return { owners, primaries };
}

/**
 * The URL of a cluster node from a root node's URL: same scheme and credentials, the node's
 * host and port.
 * @example nodeUrl('redis://u:p@10.0.0.5:6379', '10.0.0.6', 6380) // 'redis://u:p@10.0.0.6:6380'
 */
export function nodeUrl(rootUrl: string, host: string, port: number): string {
  const u = new URL(rootUrl);
  u.hostname = host.includes(':') ? `[${host}]` : host;
  u.port = String(port);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}
