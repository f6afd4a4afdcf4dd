import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Every place a secret can sit in what we log. Request and response objects are serialised by pino-http, and
 * our own log calls use the field names below; anything new that may carry a secret must be added here (the
 * log-grep tests catch what is missed).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-benchling-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-benchling-api-key"]',
  'authorization',
  'token',
  'apiKey',
  'password',
  'secret',
  'secretAccessKey',
  'sessionToken',
  'awsCredentials',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.secret',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.awsCredentials',
  '*.authorization',
];

export type { Logger };

const LOG_BUFFER_BYTES = 16 * 1024 * 1024;

export function createLogger(service: string, level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return pino(options, destination ?? standardOutput());
}

/**
 * stdout without holding up the event loop: a line goes out at once when no write is under way, and lines
 * logged meanwhile go out together in the next write (one system call for many requests under load). A slow
 * reader of stdout (a busy PM2 daemon, a stalled disk) then delays log lines instead of every request. What is
 * pending is flushed synchronously when the process exits. The buffer is bounded: past it, lines are dropped
 * rather than memory growing without limit.
 */
function standardOutput(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 0, maxLength: LOG_BUFFER_BYTES });
}

/** A short, stable stand-in for a secret, so logs can tell callers apart without holding the secret. */
export { fingerprint } from './fingerprint.js';
