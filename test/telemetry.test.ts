// OpenTelemetry through s.enableTelemetry(): the SDK's in-memory exporters read what real
// requests, streams and hubs produced, and the Prometheus endpoint is scraped with fetch and
// its exposition text parsed.
import { after, describe, it } from 'node:test';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  InMemoryMetricExporter,
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { HttpError, createHub } from '../src/index.js';
import { createRedisHub } from '../src/hub/redis/index.js';
import { startServer, waitFor } from './helpers/server.js';

function otel() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  /** Every data point of a metric, after a fresh collection. */
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    metricExporter.reset();
    await reader.forceFlush();
    const out: DataPoint<unknown>[] = [];
    for (const rm of metricExporter.getMetrics())
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics) if (m.descriptor.name === name) out.push(...m.dataPoints);
    return out;
  };
  return { meterProvider, tracerProvider, spans, points };
}

const stuckClient = (port: number, path: string): net.Socket => {
  const sock = net.connect({ port, host: '127.0.0.1' });
  sock.pause();
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  return sock;
};

void describe('telemetry: metrics and traces through @opentelemetry/api', () => {
  void it('records duration and count by route pattern and status, never the raw path; a span per request', async () => {
    const o = otel();
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    after(() => propagation.disable());
    const { s, url } = await startServer((s) => {
      s.get('/user/:id', (r) => ({ id: r.params.id }));
      s.get('/boom', () => {
        throw new HttpError(503, 'down');
      });
    });
    await s.enableTelemetry({ meterProvider: o.meterProvider, tracerProvider: o.tracerProvider });
    for (const id of ['1', '2', '3']) assert.equal((await fetch(`${url}/user/${id}`)).status, 200);
    assert.equal((await fetch(`${url}/boom`)).status, 503);
    assert.equal((await fetch(`${url}/nowhere/42`)).status, 404);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await fetch(`${url}/user/9`, {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });

    const duration = await o.points('http.server.request.duration');
    const byKey = new Map(
      duration.map((p) => [
        `${String(p.attributes['http.route'])} ${String(p.attributes['http.response.status_code'])}`,
        p.value as Histogram,
      ]),
    );
    assert.equal(byKey.get('/user/:id 200')?.count, 4);
    assert.equal(byKey.get('/boom 503')?.count, 1);
    assert.equal(byKey.get('undefined 404')?.count, 1, 'an unmatched path has no http.route');
    const all = JSON.stringify(duration.map((p) => p.attributes));
    assert.ok(!all.includes('/user/1') && !all.includes('/nowhere'), 'no raw path in metrics');
    assert.ok((byKey.get('/user/:id 200')?.sum ?? 0) > 0);

    const spans = o.spans.getFinishedSpans();
    const names = spans.map((sp) => sp.name).sort();
    assert.deepEqual(names, [
      'GET',
      'GET /boom',
      'GET /user/:id',
      'GET /user/:id',
      'GET /user/:id',
      'GET /user/:id',
    ]);
    const boom = spans.find((sp) => sp.name === 'GET /boom')!;
    assert.equal(boom.attributes['http.response.status_code'], 503);
    assert.equal(boom.attributes['http.route'], '/boom');
    assert.equal(boom.attributes['http.request.method'], 'GET');
    assert.equal(boom.status.code, 2, 'a 5xx marks the span as an error');
    // The W3C propagator (registered above) continues the caller's trace.
    const continued = spans.find((sp) => sp.spanContext().traceId === traceId);
    assert.ok(continued, 'the span continues the incoming traceparent');
    assert.equal(continued.parentSpanContext?.spanId, 'b7ad6b7169203331');
  });

  void it('counts open streams, deliveries, unsent bytes and cuts by reason', async () => {
    const o = otel();
    let reason: unknown;
    const { s } = await startServer(
      (s) => {
        s.get('/flood', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          const chunk = 'y'.repeat(16 * 1024);
          for (let i = 0; i < 1000 && !es.closed; i++) void es.send(chunk);
          reason = es.signal.reason;
        });
        s.get('/ticks', async (r) => {
          const es = r.response.sse({ heartbeat: 0 });
          for (let i = 0; !es.closed; i++) {
            await es.send(String(i));
            await new Promise((res) => setTimeout(res, 10));
          }
        });
      },
      { streamCap: 256 * 1024 },
    );
    await s.enableTelemetry({ meterProvider: o.meterProvider, traces: false });
    const sock = stuckClient(s.port, '/flood');
    await waitFor(() => reason !== undefined, 3000, 'the flood cut off');
    const cuts = await o.points('sluice.stream.cuts');
    assert.equal(cuts.find((p) => p.attributes['reason'] === 'SLUICE_STREAM_OVERFLOW')?.value, 1);
    sock.destroy();

    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${s.port}/ticks`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const open = await o.points('sluice.stream.open');
    assert.equal(open[0]?.value, 1, 'one stream open');
    const deliveries = (await o.points('sluice.stream.deliveries'))[0]?.value as number;
    assert.ok(deliveries > 10, `deliveries ${deliveries}`);
    assert.equal(typeof (await o.points('sluice.stream.unsent'))[0]?.value, 'number');
    ac.abort();
    await waitFor(() => s.stats().streams === 0, 3000, 'the stream to end');
    const after = await o.points('sluice.stream.cuts');
    assert.equal(after.find((p) => p.attributes['reason'] === 'client_closed')?.value, 1);
    assert.equal((await o.points('sluice.stream.open'))[0]?.value, 0);
    // The same counters, as s.stats() gives them (for a live panel).
    const stats = s.stats();
    assert.equal(stats.cuts['SLUICE_STREAM_OVERFLOW'], 1);
    assert.equal(stats.cuts['client_closed'], 1);
    assert.ok(stats.deliveries >= deliveries);
    assert.equal(stats.unsent, 0);
  });

  void it('counts hub publishes and deliveries, and the Redis hub lag', async () => {
    const o = otel();
    const hub = createHub();
    const redisHub = createRedisHub({
      url: 'redis://127.0.0.1:6379',
      prefix: `otel-${process.pid}-${Date.now()}:`,
    });
    const { s } = await startServer(() => {});
    s.onShutdown(() => Promise.all([hub.close(), redisHub.close()]));
    await s.enableTelemetry({ meterProvider: o.meterProvider, traces: false });
    const published0 = ((await o.points('sluice.hub.published'))[0]?.value as number) ?? 0;
    const delivered0 = ((await o.points('sluice.hub.delivered'))[0]?.value as number) ?? 0;

    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const ev of hub.subscribe('t', { signal: ac.signal })) {
        got.push(ev.data);
        if (got.length === 2) break;
      }
    })();
    const redisGot: string[] = [];
    const redisReading = (async () => {
      for await (const ev of redisHub.subscribe('t')) {
        redisGot.push(ev.data);
        if (redisGot.length === 2) break;
      }
    })();
    await new Promise((res) => setTimeout(res, 100));
    await hub.publish('t', { data: 'a' });
    await hub.publish('t', { data: 'b' });
    await redisHub.publish('t', { data: 'c' });
    await redisHub.publish('t', { data: 'd' });
    await reading;
    await redisReading;
    const published = (await o.points('sluice.hub.published'))[0]?.value as number;
    const delivered = (await o.points('sluice.hub.delivered'))[0]?.value as number;
    assert.equal(published - published0, 4);
    assert.ok(delivered - delivered0 >= 4, `delivered ${delivered - delivered0}`);
    const lag = (await o.points('sluice.hub.lag'))[0]?.value as Histogram | undefined;
    assert.ok((lag?.count ?? 0) >= 2, 'the Redis hub recorded its lag');
    assert.ok((lag?.max ?? 99) < 5, 'lag in seconds, small on one machine');
  });

  void it("makes the request's span the active one in the handler, so the handler's own spans are its children", async () => {
    const o = otel();
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    after(() => context.disable());
    const { s, url } = await startServer((s) => {
      s.get('/work/:id', async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const span = o.tracerProvider.getTracer('app').startSpan('query');
        span.end();
        return { traceId: trace.getActiveSpan()?.spanContext().traceId, id: r.params.id };
      });
    });
    await s.enableTelemetry({ tracerProvider: o.tracerProvider, metrics: false });
    const body = (await (await fetch(`${url}/work/1`)).json()) as { traceId: string };
    const spans = o.spans.getFinishedSpans();
    const request = spans.find((sp) => sp.name === 'GET /work/:id')!;
    const query = spans.find((sp) => sp.name === 'query')!;
    assert.equal(body.traceId, request.spanContext().traceId);
    assert.equal(query.parentSpanContext?.spanId, request.spanContext().spanId);
    await assert.rejects(s.enableTelemetry(), /already called/);
  });

  void it('serves every metric in Prometheus text format', async () => {
    const { s, url } = await startServer((s) => s.get('/item/{id}', (r) => r.params.id));
    await s.enableTelemetry({ prometheus: '/metrics', traces: false });
    await fetch(`${url}/item/7`);
    await fetch(`${url}/item/8`);
    const res = await fetch(`${url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // Parse the exposition: name{labels} value.
    const samples = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)/.exec(line);
      assert.ok(m, `a malformed line: ${line}`);
      samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
    }
    const count = [...samples].find(
      ([k]) =>
        k.startsWith('http_server_request_duration_count') && k.includes('http_route="/item/{id}"'),
    );
    assert.ok(count, text);
    assert.equal(count[1], 2);
    assert.ok(count[0].includes('http_response_status_code="200"'));
    assert.ok(!text.includes('/item/7'), 'no raw path');
    for (const name of [
      'sluice_stream_open',
      'sluice_stream_deliveries',
      'sluice_hub_published',
      'http_server_active_requests',
    ])
      assert.ok(
        [...samples.keys()].some((k) => k.startsWith(name)),
        `${name} in ${text}`,
      );
  });
});
