/**
 * `sluice/client`: a streaming client for browsers and Node (fetch + web streams only), and the
 * helpers the tests use to assert on a stream.
 * @example
 * import { stream } from 'sluice/client';
 * for await (const ev of stream('/api/chat', { method: 'POST', body: '{"prompt":"hi"}' })) console.log(ev.data);
 */
export {
  stream,
  DEFAULT_RETRY_MS,
  MAX_BACKOFF_MS,
  type StreamBody,
  type StreamEvent,
  type StreamOptions,
  type TypedEvent,
} from './stream.js';
export {
  StreamError,
  MAX_ERROR_BODY_BYTES,
  ERROR_BODY_WAIT_MS,
  type StreamErrorCode,
} from './stream-error.js';
export {
  EventStreamParser,
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_EVENT_SIZE,
  type EventStreamParserOptions,
  type ParsedEvent,
} from './parser.js';
export { collectEvents, CollectTimeoutError, type CollectOptions } from './testing.js';
