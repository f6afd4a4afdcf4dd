// Loaded only when an OTLP endpoint is configured (see start.ts): without one, no OpenTelemetry module is loaded.
import { DiagLogLevel, diag, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { SpanKind as OurKind, SpanSink } from './trace.js';

const KINDS: Record<OurKind, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL };

/**
 * The OpenTelemetry SDK as the sink of this process's spans: a tracer provider whose batch processor sends them to
 * the configured endpoint with the OTLP/HTTP exporter (`OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*` and `OTEL_TRACES_SAMPLER`
 * are read by the SDK itself).
 *
 * A span is handed to the SDK when it ends, with its start time, under the ids it was given when it began: those
 * ids were in log lines and `traceparent` headers meanwhile, and a request's trace may still be joined to a client's
 * `_meta.traceparent` after it began (adoptTraceparent). The provider's id generator hands the SDK those ids.
 */
export function otlpSpanSink(service: string, version: string, logger: Logger): SpanSink {
  diag.setLogger(
    {
      error: (message) => logger.error({ otel: true }, `OpenTelemetry: ${message}`),
      warn: (message) => logger.warn({ otel: true }, `OpenTelemetry: ${message}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const random = new RandomIdGenerator();
  let given: { traceId: string; spanId: string } | undefined;
  const provider = new BasicTracerProvider({
    // The process's own name wins over OTEL_SERVICE_NAME: under PM2 every process has the same environment.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ 'service.name': service, 'service.version': version })),
    idGenerator: {
      generateTraceId: () => given?.traceId ?? random.generateTraceId(),
      generateSpanId: () => given?.spanId ?? random.generateSpanId(),
    },
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const tracer = provider.getTracer('@labmcp/service-kit', version);
  return {
    record(scope, span, endTime) {
      const parent =
        scope.parentSpanId === undefined
          ? ROOT_CONTEXT
          : trace.setSpanContext(ROOT_CONTEXT, {
              traceId: scope.traceId,
              spanId: scope.parentSpanId,
              traceFlags: Number.parseInt(scope.flags, 16) & TraceFlags.SAMPLED,
              isRemote: scope.remoteParent ?? false,
            });
      given = { traceId: scope.traceId, spanId: scope.spanId };
      let recorded: ReturnType<typeof tracer.startSpan>;
      try {
        recorded = tracer.startSpan(span.name, { kind: KINDS[span.kind], startTime: span.startTime, attributes: span.attributes }, parent);
      } finally {
        given = undefined;
      }
      if (span.error !== undefined) recorded.setStatus({ code: SpanStatusCode.ERROR, message: span.error });
      recorded.end(endTime);
    },
    flush: () => provider.forceFlush(),
  };
}
