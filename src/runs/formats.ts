/**
 * The wire formats a run can be followed in. Each is a hub codec (so an event is rendered once
 * per format and run on a process, whatever the number of followers), the headers it needs and
 * the frames that open a stream followed from the start.
 *
 * - `sluice`: every event as the producer emitted it (SSE `id`, `event`, `data`), then
 *   `event: sluice-end` with `{"outcome", "message"?, "code"?, "tokens"}`.
 * - `openai`: Chat Completions chunks (`chat.completion.chunk`, one per `token`), a last chunk
 *   with `finish_reason: "stop"`, then `data: [DONE]`. A failure or a cancellation is an
 *   `{"error": {...}}` chunk (`type` `server_error` or `cancelled`), which the `openai` client
 *   throws as an `APIError`. Other events are not sent (the format has no place for them).
 * - `anthropic`: Messages events (`message_start`, `content_block_start`, one
 *   `content_block_delta` per `token`, `content_block_stop`, `message_delta` with
 *   `stop_reason: "end_turn"`, `message_stop`). A failure or a cancellation is `event: error`
 *   (`api_error` or `cancelled`). Other events are not sent.
 * - `ai-sdk`: the Vercel AI SDK UI message stream (`x-vercel-ai-ui-message-stream: v1`):
 *   `start`, `start-step`, `text-start`, one `text-delta` per `token`, `text-end`,
 *   `finish-step`, `finish`, then `data: [DONE]`; a failure is an `error` part, a cancellation
 *   an `abort` part. Any other event `name` becomes a `data-name` part (`data-message` for an
 *   unnamed one; its data parsed as JSON when it is JSON, else the string).
 *
 * Every frame rendered from a history event carries that event's id, so any SSE client can
 * resume with `Last-Event-ID`; a `sluice-reset` is sent only in the `sluice` format.
 */
import { encodeEvent } from '../codec/sse.js';
import { RESET_EVENT } from '../hub/event-id.js';
import { RUN_END_EVENT, type RunEnd, type RunRecord } from '../hub/run-store.js';
import type { HubCodec, HubEvent } from '../hub/types.js';

/**
 * The formats `runs.follow` renders.
 * @example runs.follow(r, id, { format: 'openai' })
 */
export type RunFormat = 'sluice' | 'openai' | 'anthropic' | 'ai-sdk';

/** Every format, for checking an option. */
export const RUN_FORMATS: readonly RunFormat[] = ['sluice', 'openai', 'anthropic', 'ai-sdk'];

/** One format for one run: its codec, the headers it adds, the frames that open it. */
export interface Rendering {
  readonly codec: HubCodec;
  readonly headers: Readonly<Record<string, string>>;
  /** Frames sent before the history when a follower starts from the beginning. */
  readonly preamble: Uint8Array | undefined;
}

/** The bytes of terminal events: a follower ends its stream after writing them. */
const TERMINAL = new WeakSet<Uint8Array>();
const EMPTY = new Uint8Array(0);

/**
 * True for the bytes of a run's terminal event in any format.
 * @example if (isTerminalFrame(bytes)) es.close();
 */
export function isTerminalFrame(bytes: Uint8Array): boolean {
  return TERMINAL.has(bytes);
}

/**
 * The terminal event a run ends with, read back from its data (a malformed one reads as a
 * failure).
 * @example parseEnd('{"outcome":"done","tokens":3}') // { end: { outcome: 'done' }, tokens: 3 }
 */
export function parseEnd(data: string): { end: RunEnd; tokens: number } {
  try {
    const v = JSON.parse(data) as Partial<RunEnd> & { tokens?: unknown };
    if (v.outcome === 'done' || v.outcome === 'failed' || v.outcome === 'cancelled') {
      const end: RunEnd = { outcome: v.outcome };
      if (typeof v.message === 'string') end.message = v.message;
      if (typeof v.code === 'string') end.code = v.code;
      return { end, tokens: typeof v.tokens === 'number' ? v.tokens : 0 };
    }
  } catch {
    // below
  }
  return { end: { outcome: 'failed', message: 'the run ended abnormally' }, tokens: 0 };
}

function toBytes(text: string): Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

function sse(id: string, event: string | undefined, data: string): string {
  return encodeEvent(id === '' ? { event, data } : { id, event, data });
}

/** Renders one history event as text ('' for nothing), knowing whether it is the end. */
type Render = (e: HubEvent, end: { end: RunEnd; tokens: number } | undefined) => string;

function codecOf(render: Render): HubCodec {
  return {
    encode(e: HubEvent): Uint8Array {
      const isEnd = e.event === RUN_END_EVENT;
      const text = render(e, isEnd ? parseEnd(e.data) : undefined);
      if (text === '') return EMPTY;
      const bytes = toBytes(text);
      if (isEnd) TERMINAL.add(bytes);
      return bytes;
    },
  };
}

/** The message a vendor format shows for a failure or a cancellation. */
function endMessage(end: RunEnd): string {
  if (end.message) return end.message;
  return end.outcome === 'cancelled' ? 'the run was cancelled' : 'the run failed';
}

function sluice(): Rendering {
  return {
    codec: codecOf((e) => sse(e.id, e.event, e.data)),
    headers: {},
    preamble: undefined,
  };
}

function openai(record: RunRecord, model: string): Rendering {
  const created = Math.floor(record.createdAt / 1000);
  const chunk = (delta: object, finish: string | null): string =>
    JSON.stringify({
      id: `chatcmpl-${record.id}`,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const render: Render = (e, end) => {
    if (end) {
      if (end.end.outcome === 'done') {
        return sse(e.id, undefined, chunk({}, 'stop')) + sse(e.id, undefined, '[DONE]');
      }
      const error = {
        message: endMessage(end.end),
        type: end.end.outcome === 'cancelled' ? 'cancelled' : 'server_error',
        code: end.end.code ?? end.end.outcome,
      };
      return sse(e.id, undefined, JSON.stringify({ error })) + sse(e.id, undefined, '[DONE]');
    }
    if (e.event === 'token') return sse(e.id, undefined, chunk({ content: e.data }, null));
    return '';
  };
  return {
    codec: codecOf(render),
    headers: {},
    preamble: toBytes(sse('', undefined, chunk({ role: 'assistant', content: '' }, null))),
  };
}

function anthropic(record: RunRecord, model: string): Rendering {
  const ev = (id: string, type: string, body: object): string =>
    sse(id, type, JSON.stringify({ type, ...body }));
  const render: Render = (e, end) => {
    if (end) {
      if (end.end.outcome === 'done') {
        return (
          ev(e.id, 'content_block_stop', { index: 0 }) +
          ev(e.id, 'message_delta', {
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: end.tokens },
          }) +
          ev(e.id, 'message_stop', {})
        );
      }
      const type = end.end.outcome === 'cancelled' ? 'cancelled' : 'api_error';
      return ev(e.id, 'error', { error: { type, message: endMessage(end.end) } });
    }
    if (e.event === 'token') {
      return ev(e.id, 'content_block_delta', {
        index: 0,
        delta: { type: 'text_delta', text: e.data },
      });
    }
    return '';
  };
  const message = {
    id: `msg_${record.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  };
  return {
    codec: codecOf(render),
    headers: {},
    preamble: toBytes(
      ev('', 'message_start', { message }) +
        ev('', 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ),
  };
}

/** The id of the one text part a run's answer is. */
const TEXT_ID = 'text-0';

function aiSdk(record: RunRecord): Rendering {
  const part = (id: string, body: object): string => sse(id, undefined, JSON.stringify(body));
  const render: Render = (e, end) => {
    if (end) {
      const { outcome } = end.end;
      let text: string;
      if (outcome === 'done') {
        text =
          part(e.id, { type: 'text-end', id: TEXT_ID }) +
          part(e.id, { type: 'finish-step' }) +
          part(e.id, { type: 'finish', finishReason: 'stop' });
      } else if (outcome === 'cancelled') {
        text = part(e.id, { type: 'abort', reason: endMessage(end.end) });
      } else text = part(e.id, { type: 'error', errorText: endMessage(end.end) });
      return text + sse(e.id, undefined, '[DONE]');
    }
    if (e.event === 'token') return part(e.id, { type: 'text-delta', id: TEXT_ID, delta: e.data });
    if (e.event === RESET_EVENT) return '';
    let data: unknown = e.data;
    try {
      data = JSON.parse(e.data);
    } catch {
      // a plain string
    }
    return part(e.id, { type: `data-${e.event ?? 'message'}`, data });
  };
  return {
    codec: codecOf(render),
    headers: { 'x-vercel-ai-ui-message-stream': 'v1' },
    preamble: toBytes(
      part('', { type: 'start', messageId: record.id }) +
        part('', { type: 'start-step' }) +
        part('', { type: 'text-start', id: TEXT_ID }),
    ),
  };
}

/**
 * The rendering of a run in a format (`model` names the model in the vendor formats).
 * @example const { codec, headers, preamble } = renderingOf(record, 'openai', 'gpt-4o-mini');
 */
export function renderingOf(record: RunRecord, format: RunFormat, model: string): Rendering {
  switch (format) {
    case 'openai':
      return openai(record, model);
    case 'anthropic':
      return anthropic(record, model);
    case 'ai-sdk':
      return aiSdk(record);
    default:
      return sluice();
  }
}
