import type { Logger } from 'pino';
import { setSpanSink } from './trace.js';

/** The OTLP endpoint for traces, as the SDK reads it, when one is set (and the SDK is not turned off). */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint || undefined;
}

/**
 * Starts exporting the spans of `service`'s requests when an OTLP endpoint is configured (a service that shares the
 * process without calling this, like the demo tenant in benchling-mcp's, records none). Without one nothing is loaded: the
 * OpenTelemetry SDK is imported only here, on demand, and the trace ids in log lines and `traceparent` headers
 * need none of it.
 */
export async function startTracing(options: { service: string; version: string; logger: Logger }): Promise<void> {
  const endpoint = tracesEndpoint();
  if (endpoint === undefined) return;
  const { otlpSpanSink } = await import('./otel.js');
  setSpanSink(options.service, otlpSpanSink(options.service, options.version, options.logger));
  // The origin only: an endpoint URL may carry credentials in its user part or query.
  let shown = 'an invalid URL (the exporter will report it)';
  try {
    shown = new URL(endpoint).origin;
  } catch {}
  options.logger.info({ tracing: { endpoint: shown } }, 'exporting spans over OTLP/HTTP');
}
