/**
 * OpenTelemetry metrics and traces for a server, through `@opentelemetry/api` (an optional
 * peer, loaded only here, only when `s.enableTelemetry()` is called: without it nothing is
 * imported and the engine's one check per request is all that runs). Lower layers keep plain
 * counters (`stream/registry.ts`, `hub/stats.ts`) and one observer slot (`engine.requestObserver`);
 * the instruments live here and read them when a metrics reader collects.
 *
 * Instruments (OTel semantic conventions for HTTP where they exist):
 * - `http.server.request.duration` (histogram, s) by `http.request.method`, `http.route` (the
 *   pattern, never the raw path) and `http.response.status_code`: its count is the request count;
 * - `http.server.active_requests` (requests in flight);
 * - `sluice.stream.open`, `sluice.stream.unsent` (bytes), `sluice.stream.deliveries` (writes),
 *   `sluice.stream.cuts` by `reason` (`SLUICE_STREAM_OVERFLOW`, `_STALLED`, `_BUDGET`, `_LENGTH`,
 *   `client_closed`, `error`);
 * - `sluice.hub.published`, `sluice.hub.delivered`, `sluice.hub.lag` (histogram, s: Redis hubs).
 * A span per request, `SERVER` kind, named `METHOD route` (`METHOD` alone for unmatched paths),
 * continuing an incoming `traceparent` through the registered propagator.
 */
import type {
  Attributes,
  Context,
  Histogram,
  Meter,
  MeterProvider,
  ObservableResult,
  Span,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { SluiceError } from '../errors/index.js';
import type { Request } from '../exchange/request.js';
import type { RequestObserver } from '../engine/engine.js';
import type { StreamRegistry } from '../stream/registry.js';
import { hubStats } from '../hub/stats.js';

type Api = typeof import('@opentelemetry/api');

/**
 * An OpenTelemetry `MeterProvider`, typed by shape so that Sluice's published types do not
 * need `@opentelemetry/api` installed.
 * @example const meterProvider: MeterProviderLike = new MeterProvider({ readers: [reader] });
 */
export interface MeterProviderLike {
  getMeter(name: string): unknown;
}

/**
 * An OpenTelemetry `TracerProvider`, typed by shape (see `MeterProviderLike`).
 * @example const tracerProvider: TracerProviderLike = new BasicTracerProvider();
 */
export interface TracerProviderLike {
  getTracer(name: string): unknown;
}

/**
 * What `s.enableTelemetry()` takes.
 * @example await s.enableTelemetry({ meterProvider, tracerProvider, prometheus: '/metrics' });
 */
export interface TelemetryOptions {
  /** Where metrics go (an OTel `MeterProvider`). Default: the global one (an SDK's). */
  meterProvider?: MeterProviderLike;
  /** Where spans go (an OTel `TracerProvider`). Default: the global one. */
  tracerProvider?: TracerProviderLike;
  /** Record a span per request. Default true. */
  traces?: boolean;
  /** Record metrics. Default true. */
  metrics?: boolean;
  /**
   * Serve every metric in Prometheus text format at this path (`GET`), through
   * `@opentelemetry/exporter-prometheus` and `@opentelemetry/sdk-metrics` (optional peers).
   */
  prometheus?: string;
}

/** What the telemetry reads from a server. */
export interface TelemetrySource {
  readonly registry: StreamRegistry;
  readonly inflight: { readonly size: number };
  requestObserver: RequestObserver | undefined;
}

/** Telemetry attached to one server. */
export interface Telemetry {
  /** The Prometheus exposition of every metric (only with `prometheus`). */
  scrape: (() => Promise<string>) | undefined;
  /** Detaches it: the observer, the callbacks, the hub lag hook. */
  stop(): void;
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);
// Seconds, the semantic conventions' advice for http.server.request.duration.
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300,
];
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

async function load<T>(name: string, what: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    throw new SluiceError(
      'SLUICE_TELEMETRY_MISSING',
      `${what} needs the package ${name}: npm install ${name}`,
      { cause: err },
    );
  }
}

/** The instruments of one meter, and how to stop their callbacks. */
interface Instruments {
  duration: Histogram;
  lag: Histogram;
  stop(): void;
}

function instrument(meter: Meter, source: TelemetrySource): Instruments {
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    description: 'Duration of HTTP server requests (a stream: until it ends)',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const lag = meter.createHistogram('sluice.hub.lag', {
    unit: 's',
    description: 'Time from a Redis hub publish (XADD) to this process reading the event',
    advice: { explicitBucketBoundaries: LAG_BUCKETS },
  });
  const active = meter.createObservableUpDownCounter('http.server.active_requests', {
    unit: '{request}',
    description: 'Requests in flight (streams included)',
  });
  const open = meter.createObservableUpDownCounter('sluice.stream.open', {
    unit: '{stream}',
    description: 'Open streams (responses being written, and buffered tails still unsent)',
  });
  const unsent = meter.createObservableUpDownCounter('sluice.stream.unsent', {
    unit: 'By',
    description: 'Bytes written to streams and not yet taken by their sockets',
  });
  const deliveries = meter.createObservableCounter('sluice.stream.deliveries', {
    unit: '{write}',
    description: 'Writes (frames, chunks) handed to streams',
  });
  const cuts = meter.createObservableCounter('sluice.stream.cuts', {
    unit: '{stream}',
    description: 'Streams ended abnormally, by reason',
  });
  const published = meter.createObservableCounter('sluice.hub.published', {
    unit: '{event}',
    description: 'Events published through the hubs of this process',
  });
  const delivered = meter.createObservableCounter('sluice.hub.delivered', {
    unit: '{event}',
    description: 'Events handed to hub subscribers (one per subscriber)',
  });
  const observe = (result: ObservableResult, value: number): void => result.observe(value);
  const callbacks: [
    { removeCallback(cb: (r: ObservableResult) => void): void },
    (r: ObservableResult) => void,
  ][] = [
    [active, (r) => observe(r, source.inflight.size)],
    [open, (r) => observe(r, source.registry.size)],
    [unsent, (r) => observe(r, source.registry.totalUnsent())],
    [deliveries, (r) => observe(r, source.registry.writes)],
    [
      cuts,
      (r) => {
        for (const [reason, n] of source.registry.cuts) r.observe(n, { reason });
      },
    ],
    [published, (r) => observe(r, hubStats.published)],
    [delivered, (r) => observe(r, hubStats.delivered)],
  ];
  for (const [inst, cb] of callbacks)
    (inst as unknown as { addCallback(c: typeof cb): void }).addCallback(cb);
  return {
    duration,
    lag,
    stop: () => {
      for (const [inst, cb] of callbacks) inst.removeCallback(cb);
    },
  };
}

interface Started {
  t0: number;
  span: Span | undefined;
  /** The context carrying the span (with the caller's trace as its parent). */
  context: Context | undefined;
}

/**
 * Attaches OpenTelemetry to a server's engine (`s.enableTelemetry()` calls it). Throws
 * `SLUICE_TELEMETRY_MISSING` when `@opentelemetry/api` (or, for `prometheus`, the exporter and
 * the metrics SDK) is not installed.
 * @example const t = await attachTelemetry(engine, { prometheus: '/metrics' }); await t.scrape?.();
 */
export async function attachTelemetry(
  source: TelemetrySource,
  options: TelemetryOptions = {},
): Promise<Telemetry> {
  if (source.requestObserver) {
    throw new SluiceError('SLUICE_CONFIG', 'enableTelemetry() was already called on this server');
  }
  const api = await load<Api>('@opentelemetry/api', 'telemetry');
  const sets: Instruments[] = [];
  let scrape: Telemetry['scrape'];
  if (options.metrics !== false) {
    const provider = (options.meterProvider ?? api.metrics.getMeterProvider()) as MeterProvider;
    sets.push(instrument(provider.getMeter('sluice'), source));
  }
  if (options.prometheus !== undefined) {
    const sdk = await load<typeof import('@opentelemetry/sdk-metrics')>(
      '@opentelemetry/sdk-metrics',
      'the Prometheus endpoint',
    );
    const prom = await load<typeof import('@opentelemetry/exporter-prometheus')>(
      '@opentelemetry/exporter-prometheus',
      'the Prometheus endpoint',
    );
    const exporter = new prom.PrometheusExporter({ preventServerStart: true });
    const provider = new sdk.MeterProvider({ readers: [exporter] });
    const serializer = new prom.PrometheusSerializer();
    sets.push(instrument(provider.getMeter('sluice'), source));
    scrape = async () => {
      const { resourceMetrics, errors } = await exporter.collect();
      if (errors.length > 0) throw errors[0];
      return serializer.serialize(resourceMetrics);
    };
  }
  const tracer: Tracer | undefined =
    options.traces === false
      ? undefined
      : ((options.tracerProvider ?? api.trace.getTracerProvider()) as TracerProvider).getTracer(
          'sluice',
        );
  const SERVER = api.SpanKind.SERVER;
  const ERROR = api.SpanStatusCode.ERROR;

  const observer: RequestObserver = {
    start(r: Request): Started {
      let span: Span | undefined;
      let context: Context | undefined;
      if (tracer) {
        const method = methodOf(r.method);
        const route = r.routePattern;
        const parent = api.propagation.extract(api.context.active(), r.headers);
        const attributes: Attributes = {
          'http.request.method': method,
          'url.path': r.path,
          'url.scheme': r.protocol,
        };
        if (route) attributes['http.route'] = route;
        span = tracer.startSpan(
          route ? `${method} ${route}` : method,
          { kind: SERVER, attributes },
          parent,
        );
        context = api.trace.setSpan(parent, span);
      }
      return { t0: performance.now(), span, context };
    },
    // The span is the active one while the chain runs, so a handler's own spans (and outgoing
    // calls an instrumentation propagates) are its children. Needs the SDK's context manager.
    enter: tracer
      ? (started: unknown, run: () => void): void => {
          const context = (started as Started).context;
          if (context) api.context.with(context, run);
          else run();
        }
      : undefined,
    end(r: Request, started: unknown): void {
      const { t0, span } = started as Started;
      const status = r.response.status;
      const attributes: Attributes = {
        'http.request.method': methodOf(r.method),
        'http.response.status_code': status,
      };
      if (r.routePattern) attributes['http.route'] = r.routePattern;
      const seconds = (performance.now() - t0) / 1000;
      for (const set of sets) set.duration.record(seconds, attributes);
      if (span) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: ERROR });
        span.end();
      }
    },
  };
  source.requestObserver = observer;
  const onLag =
    sets.length > 0
      ? (ms: number): void => {
          for (const set of sets) set.lag.record(ms / 1000);
        }
      : undefined;
  hubStats.onLag = onLag;
  return {
    scrape,
    stop() {
      if (source.requestObserver === observer) source.requestObserver = undefined;
      if (hubStats.onLag === onLag) hubStats.onLag = undefined;
      for (const set of sets) set.stop();
    },
  };
}

/** The method as the conventions want it: a known one, or `_OTHER` (bounded cardinality). */
function methodOf(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}
