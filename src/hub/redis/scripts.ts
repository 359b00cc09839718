/**
 * The Lua scripts the Redis hub runs (each atomic on the server) and the parsing of their
 * replies. KEYS[1] is the topic's stream, KEYS[2] its epoch key.
 */

/**
 * Publish: create the topic's epoch if it has none, number the event (KEYS[3], a counter per
 * topic), then `XADD MAXLEN ~`. Atomic, so an id never pairs an entry with an epoch from another
 * history (a non-persistent Redis restarted between the steps would otherwise do just that).
 * The number lets a reader that fell behind the trimming see that entries vanished unread.
 * ARGV: epoch candidate, max length, data[, event]. Reply: { epoch, stream id }.
 */
export const PUBLISH_SCRIPT = `
local e = redis.call('GET', KEYS[2])
if not e then e = ARGV[1]; redis.call('SET', KEYS[2], e) end
local n = redis.call('INCR', KEYS[3])
local id
if ARGV[4] then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[3], 'n', n, 'e', ARGV[4])
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'd', ARGV[3], 'n', n)
end
return {e, id}
`;

/**
 * Subscribe (and recovery): the topic's epoch (created if missing), the stream's last generated
 * id, its max deleted id (retention gaps), its first id, and, when ARGV[2] is a stream id, the
 * entries after it up to the last id, and how many entries were ever removed (-1: unknown,
 * Redis before 7.0) — all in one atomic step, so trimming cannot slip between.
 * ARGV: epoch candidate, from stream id or ''.
 */
export const STATE_SCRIPT = `
local e = redis.call('GET', KEYS[2])
if not e then e = ARGV[1]; redis.call('SET', KEYS[2], e) end
if redis.call('EXISTS', KEYS[1]) == 0 then return {e, '0-0', '', '', {}, '0'} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, maxdel, added, len = '0-0', '', -1, 0
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then last = info[i + 1] end
  if info[i] == 'max-deleted-entry-id' then maxdel = info[i + 1] end
  if info[i] == 'entries-added' then added = info[i + 1] end
  if info[i] == 'length' then len = info[i + 1] end
end
local removed = -1
if added >= 0 then removed = added - len end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local firstId = ''
if first[1] then firstId = first[1][1] end
local entries = {}
if ARGV[2] ~= '' then entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], last) end
return {e, last, maxdel, firstId, entries, tostring(removed)}
`;

/** A stream entry: its stream id and flat field list. */
export type RawEntry = [string, string[]];

/** The reply of `STATE_SCRIPT`. */
export interface TopicState {
  epoch: string;
  /** The stream's last generated id (`0-0` when the stream does not exist). */
  last: string;
  /** The largest id removed by `XDEL` (`''` on Redis before 7.0). */
  maxDeleted: string;
  /** Entries ever trimmed or deleted (-1 when unknown). */
  removed: number;
  /** The oldest entry's id (`''` when empty). */
  first: string;
  entries: RawEntry[];
}

export function parseState(reply: unknown): TopicState {
  const r = reply as [string, string, string, string, RawEntry[], string];
  return {
    epoch: String(r[0]),
    last: String(r[1]),
    maxDeleted: String(r[2]),
    first: String(r[3]),
    entries: r[4] ?? [],
    removed: Number(r[5]),
  };
}

/**
 * True when entries after `from` may have been trimmed away: the first entry kept is newer
 * than `from` and something was ever removed (or, on old Redis, cannot be known).
 */
export function retentionGap(state: TopicState, from: string): boolean {
  if (state.maxDeleted !== '' && compareStreamIds(state.maxDeleted, from) > 0) return true;
  if (state.removed === 0) return false;
  return compareStreamIds(state.first === '' ? state.last : state.first, from) > 0;
}

/** Splits a stream id `ms-seq` into numbers. */
export function splitStreamId(id: string): [number, number] {
  const dash = id.indexOf('-');
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** Orders two stream ids numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [ah, al] = splitStreamId(a);
  const [bh, bl] = splitStreamId(b);
  return ah !== bh ? ah - bh : al - bl;
}

/** Reads `d` (data) and `e` (event) from an entry's fields. */
export function entryFields(fields: string[]): {
  data: string;
  event: string | undefined;
  /** The event's number in its topic (undefined for entries written before numbering). */
  n: number | undefined;
} {
  let data = '';
  let event: string | undefined;
  let n: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'd') data = String(fields[i + 1]);
    else if (fields[i] === 'e') event = String(fields[i + 1]);
    else if (fields[i] === 'n') n = Number(fields[i + 1]);
  }
  return { data, event, n };
}

/** The streams of an `XREAD` reply, whether RESP2 (array of pairs) or RESP3 (map). */
export function xreadStreams(reply: unknown): [string, RawEntry[]][] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) return reply as [string, RawEntry[]][];
  if (reply instanceof Map) return [...(reply as Map<string, RawEntry[]>).entries()];
  return Object.entries(reply as Record<string, RawEntry[]>);
}
