import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { logPolicyOf } from './logger.js';
import { redactUrl } from './redact-url.js';
import { traceOfLogLine } from './tracing/trace.js';

declare module 'http' {
  interface IncomingMessage {
    /** Set by whoever authenticated the request, for the access line. */
    userId?: string;
  }
}

/**
 * What an access line says of the request. Only these fields: serialising every header (and redacting them) was
 * the largest cost of the router's hot path, and a header-free line cannot leak a credential. A query string can
 * (`?access_token=`, `?api_key=`): its credential parameters are redacted.
 */
export interface RequestSummary {
  id: string;
  method: string | undefined;
  url: string | undefined;
  remoteAddress: string | undefined;
}

export function requestSummary(req: IncomingMessage, requestId: string): RequestSummary {
  return { id: requestId, method: req.method, url: redactUrl(req.url), remoteAddress: req.socket?.remoteAddress };
}

/**
 * The one access line of a request, written when its response closes: `request completed` (info, warn for 4xx,
 * error for 5xx, then `request failed`) or, for a response that never finished, `request aborted`. The process's
 * LABMCP_ACCESS_LOG may keep only the failures (4xx, 5xx, aborted) or none (logger.ts's LogPolicy). The same line
 * pino-http wrote (`req`, `userId`, `res.statusCode`, `responseTime` in ms), written flat: pino-http built two child
 * loggers per request (one binding the serialised request, one for `userId`), which cost about a fifth of a cached
 * answer's CPU.
 */
export function logAccess(base: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, responseTimeMs: number): void {
  const which = logPolicyOf(base).accessLog;
  if (which === 'off') return;
  const completed = !req.readableAborted && res.writableEnded;
  const status = res.statusCode;
  if (which === 'failures' && completed && status < 400) return;
  const logger = accessLogger(base);
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  // The request's trace: the line is written when the response closes, which may be outside the request's context.
  const trace = traceOfLogLine({ res });
  const line = {
    ...(trace && { traceId: trace.traceId }),
    req: requestSummary(req, requestId),
    ...(req.userId !== undefined && { userId: req.userId }),
    res: { statusCode: status },
    responseTime: Math.round(responseTimeMs),
  };
  logger[level](line, !completed ? 'request aborted' : status >= 500 ? 'request failed' : 'request completed');
}

const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * The logger's twin without redaction, for access lines only: an access line holds just the fields above, none of
 * which can carry a secret (the URL's credential parameters are redacted before), and redaction's walk of each of
 * its objects for every redact path (the wildcard ones match every key) cost as much as writing the line.
 */
function accessLogger(logger: Logger): Logger {
  let twin = accessLoggers.get(logger);
  if (!twin) {
    twin = logger.child({}, { redact: [] });
    accessLoggers.set(logger, twin);
  }
  return twin;
}
