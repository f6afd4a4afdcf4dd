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

export function createLogger(service: string, level: LoggerOptions['level'] = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A short, stable stand-in for a secret, so logs can tell callers apart without holding the secret. */
export { fingerprint } from './fingerprint.js';
