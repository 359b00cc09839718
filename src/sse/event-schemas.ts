/**
 * A typed route's declared events (`defineRoute({ events })`), enforced on the way out: every
 * event the handler sends through its EventStream must name a declared event (an event sent
 * without a name is `message`), and its data must pass that event's schema. What is written is
 * the schema's output (unknown fields stripped as the library does). A refused event writes
 * nothing and rejects with `SLUICE_EVENT_UNKNOWN` or `SLUICE_EVENT_INVALID`.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SluiceError } from '../errors/index.js';
import { isEventShape, type SseEvent } from '../codec/sse.js';

/** Event schemas by event name. */
export type EventSchemaMap = Readonly<Record<string, StandardSchemaV1>>;

/**
 * The event to encode for `value` (what `es.send` takes): validated, with the schema's output
 * as its data; a promise only when the schema validates asynchronously. Throws (or rejects)
 * with a coded error naming the event and its failing fields. An event with no `data` (one
 * that only moves the id or the retry delay) dispatches nothing and passes as it is.
 * @example checkEvent({ tick: z.object({ i: z.number() }) }, { event: 'tick', data: { i: 1 } })
 */
export function checkEvent(schemas: EventSchemaMap, value: unknown): SseEvent | Promise<SseEvent> {
  const event: SseEvent = isEventShape(value) ? value : { data: value };
  if (!('data' in event)) return event;
  const name = event.event ?? 'message';
  const schema = Object.hasOwn(schemas, name) ? schemas[name] : undefined;
  if (schema === undefined) {
    const declared = Object.keys(schemas).join(', ');
    throw new SluiceError('SLUICE_EVENT_UNKNOWN', `"${name}" (declared: ${declared})`);
  }
  const result = schema['~standard'].validate(event.data);
  if (result instanceof Promise) return result.then((r) => accepted(event, name, r));
  return accepted(event, name, result);
}

function accepted(
  event: SseEvent,
  name: string,
  result: StandardSchemaV1.Result<unknown>,
): SseEvent {
  if (result.issues) {
    const fields = result.issues
      .slice(0, 10)
      .map((i) => `${pathOf(i) || '(data)'}: ${i.message}`)
      .join('; ');
    throw new SluiceError('SLUICE_EVENT_INVALID', `event "${name}": ${fields}`);
  }
  return { ...event, data: result.value };
}

function pathOf(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? []).map((seg) => String(typeof seg === 'object' ? seg.key : seg)).join('.');
}

/**
 * `source` with each item checked before it is sent. Stopping it (`return()`) stops the
 * source at once, even while a check is pending, so a client leaving still ends the producer.
 * @example es.pipe(validatedSource(tokens(), (item) => checkEvent(schemas, item)))
 */
export function validatedSource(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  check: (item: unknown) => SseEvent | Promise<SseEvent>,
): AsyncIterable<SseEvent> & AsyncIterator<SseEvent> {
  const inner: Iterator<unknown> | AsyncIterator<unknown> =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (source as Iterable<unknown>)[Symbol.iterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next(): Promise<IteratorResult<SseEvent>> {
      const step = await inner.next();
      if (step.done) return { done: true, value: undefined };
      return { done: false, value: await check(step.value) };
    },
    async return(): Promise<IteratorResult<SseEvent>> {
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
}
