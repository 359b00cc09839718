// A /hello server for bench/telemetry/run.mjs. argv: <dist dir> <mode>, mode one of
// off | absent (no telemetry; `absent` runs from a copy without @opentelemetry installed),
// prometheus (s.enableTelemetry({ prometheus: '/metrics', traces: false })),
// sdk (metrics and traces into the OTel SDK: a MeterProvider with a reader, a tracer provider
// that samples every span and exports none).
const [dist, mode] = process.argv.slice(2);
const { Server } = await import(`${dist}/index.js`);
const s = new Server();
s.setAddress('127.0.0.1:0');
s.get('/hello/:name', (r) => `hello ${r.params.name}`);
if (mode === 'prometheus') await s.enableTelemetry({ prometheus: '/metrics', traces: false });
if (mode === 'sdk') {
  const {
    MeterProvider,
    PeriodicExportingMetricReader,
    InMemoryMetricExporter,
    AggregationTemporality,
  } = await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  await s.enableTelemetry({
    meterProvider: new MeterProvider({ readers: [reader] }),
    tracerProvider: new BasicTracerProvider(),
  });
}
await s.start();
console.log(`port ${s.port}`);
