/**
 * What durable runs (`createRuns`, src/runs/) need from a hub's backend: a record per run (its
 * state, owner, counts), an append that checks the run's caps and state in one step, the end
 * written once, cancellation that reaches the producer wherever it runs, and the liveness of
 * producers. The in-process store lives in src/runs/; a hub that can share runs across
 * processes (the Redis hub) offers its own through `RUN_STORE`.
 */
import type { Detach, HubEvent, HubSink } from './types.js';

/** How a run ended. */
export type RunOutcome = 'done' | 'failed' | 'cancelled';

/** Where a run is: producing, or ended with an outcome. */
export type RunState = 'running' | RunOutcome;

/** The event name of a run's terminal event (reserved: a producer cannot emit it). */
export const RUN_END_EVENT = 'sluice-end';

/**
 * What a run's terminal `sluice-end` event says: the outcome, and for a failure a safe message
 * and (when known) the error's code.
 * @example { outcome: 'failed', message: 'the run failed', code: 'SLUICE_RUN_FAILED' }
 */
export interface RunEnd {
  outcome: RunOutcome;
  /** A message safe to show a user (never the text of an unknown error). */
  message?: string;
  /** The `SLUICE_...` code (or an `HttpError`'s code) of a failure, when it has one. */
  code?: string;
}

/**
 * What the store knows of a run.
 * @example { id: 'Qm1x...', state: 'running', owner: '9f86...', createdAt: 1700000000000 }
 */
export interface RunRecord {
  id: string;
  state: RunState;
  /** The owner's digest (`''` when the run has no owner). */
  owner: string;
  createdAt: number;
  /** When it ended (0 while running). */
  endedAt: number;
  /** The id of the terminal event (`''` while running). */
  endId: string;
  /** The terminal event's content (undefined while running). */
  end: RunEnd | undefined;
  /** The position just before the run's first event: follow from it to get everything. */
  start: string;
  /** Events the producer emitted, their bytes (data plus event name, UTF-8), `token` events. */
  events: number;
  bytes: number;
  tokens: number;
}

/** The answer to an append. */
export type AppendResult =
  | { ok: true; id: string }
  /** `full`: the caps would be passed (`detail` says which); `ended`; `missing`: no record. */
  | { ok: false; refused: 'full' | 'ended' | 'missing'; detail?: string };

/** The answer to a cancel. */
export type CancelResult =
  | { found: false }
  | {
      found: true;
      outcome: RunOutcome;
      /** true when this call ended the run */ cancelled: boolean;
    };

/** One event as a producer emits it, already captured (data as text). */
export interface RunInput {
  event: string | undefined;
  data: string;
  /** UTF-8 bytes of data plus event name. */
  size: number;
}

/** Limits every run of a store shares. */
export interface RunLimits {
  /** How long an ended run stays replayable (ms). */
  ttl: number;
  maxEvents: number;
  maxBytes: number;
  /** How long a producer's lease lasts without renewal (ms): the dead-producer bound. */
  leaseMs: number;
}

/** What the store calls on the process that runs a producer. */
export interface ProducerHooks {
  /** The run ended elsewhere (cancelled, failed by a detector, lost): abort the producer. */
  abort(reason: Error): void;
}

/** Options of a run at creation. */
export interface CreateOptions {
  /** The owner's digest, `''` for none. */
  owner: string;
  /** Abort the producer after no follower was attached for this long (0: never). */
  unwatchedMs: number;
}

/**
 * A backend for durable runs. Every method is safe to retry (appends carry the producer's
 * sequence number, ends and cancels are written once), so a store may retry a command whose
 * reply was lost.
 */
export interface RunStore {
  /** Creates a run's record; false when the id is taken. */
  create(id: string, options: CreateOptions): Promise<boolean>;
  /**
   * Appends one event if the run is running and within its caps; `seq` (1, 2, ...) makes a
   * retried append land once. Appends of one run are made one after the other.
   */
  append(id: string, seq: number, input: RunInput, token: boolean): Promise<AppendResult>;
  /** Ends a running run with its terminal event; false when it had already ended (or is gone). */
  finish(id: string, end: RunEnd): Promise<boolean>;
  /**
   * Cancels a running run (owner `''` skips the owner check): writes its terminal event and
   * aborts its producer, on whichever process runs it.
   */
  cancel(id: string, owner: string, end: RunEnd): Promise<CancelResult>;
  /**
   * The run's record, or undefined when unknown or expired. A running run whose producer lost
   * its lease is ended as failed first (so a late follower gets the terminal event).
   */
  get(id: string): Promise<RunRecord | undefined>;
  /** The producer of `id` runs here: hooks for cancellation; call the result when it ends. */
  produce(id: string, hooks: ProducerHooks): () => void;
  /**
   * A follower of `id` is attached here (for `cancelWhenUnwatched` and producer liveness):
   * `lost` is called if the run vanishes without a terminal event. Call the result on leaving.
   */
  watch(id: string, lost: (end: RunEnd) => void): () => void;
  /**
   * A page of the run's history after `from` (about `maxBytes` of data, at least one event), for
   * a follower that replays with backpressure before it attaches; `more` when the page stopped
   * short of the head. An id this store cannot place (malformed, another history) gets no events:
   * `attach` answers it with a reset.
   */
  history(
    id: string,
    from: string,
    maxBytes: number,
  ): Promise<{ events: HubEvent[]; more: boolean }>;
  /** Streams the run's events as frames: after `from` (`record.start`: all of them), then live. */
  attach(id: string, sink: HubSink, from: string): Detach;
  /** The run's events as an iterator: after `from` (`record.start`: all of them), then live. */
  subscribe(
    id: string,
    options: { from: string; signal?: AbortSignal; maxQueue?: number },
  ): AsyncIterable<HubEvent>;
  /** Stops timers and connections (runs produced here are ended by the caller first). */
  close(): Promise<void>;
}

/**
 * Where a hub offers its own run store: `hub[RUN_STORE](limits)`. A hub without it gets the
 * in-process store.
 */
export const RUN_STORE: unique symbol = Symbol.for('sluice.runStore');

/** A hub that offers a run store. */
export interface RunStoreProvider {
  [RUN_STORE](limits: RunLimits): RunStore;
}

/**
 * The data of a terminal event for a given end and token count.
 * @example endData({ outcome: 'done' }, 12) // '{"outcome":"done","tokens":12}'
 */
export function endData(end: RunEnd, tokens: number): string {
  return JSON.stringify({ ...end, tokens });
}
