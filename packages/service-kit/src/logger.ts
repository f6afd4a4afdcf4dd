import { type Logger, type LoggerOptions, pino } from 'pino';
import { traceOfLogLine } from './tracing/trace.js';

/**
 * Every place a secret can sit in what we log. Access lines hold no headers (access-log.ts), and our own log
 * calls use the field names below; anything new that may carry a secret must be added here (the
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

// Counted in UTF-16 units (string length): log lines are nearly all ASCII, so this is ~16 MiB.
const LOG_BUFFER_CHARS = 16 * 1024 * 1024;

/**
 * Which of a process's request lines are written (LABMCP_ACCESS_LOG, LABMCP_AUDIT_LOG):
 * - `accessLog`: `all` (one access line per request), `failures` (only 4xx, 5xx and aborted requests), `off`; the
 *   lines kept still follow LOG_LEVEL (2xx at info, 4xx at warn, 5xx at error);
 * - `auditLog`: audit lines (audit-log.ts) are written at info even when LOG_LEVEL is above it, unless this is false
 *   (or LOG_LEVEL is `silent`): the record of who did what must not vanish because the log was turned down.
 */
export interface LogPolicy {
  accessLog: 'all' | 'failures' | 'off';
  auditLog: boolean;
}

const DEFAULT_POLICY: LogPolicy = { accessLog: 'all', auditLog: true };
const POLICY = Symbol('labmcp.logPolicy');

/** The policy of the process `logger` belongs to (a child logger sees its root's: pino children inherit from it). */
export function logPolicyOf(logger: Logger): LogPolicy {
  return (logger as Logger & { [POLICY]?: LogPolicy })[POLICY] ?? DEFAULT_POLICY;
}

export function createLogger(
  service: string,
  level: LoggerOptions['level'] = 'info',
  destination?: pino.DestinationStream,
  policy: Partial<LogPolicy> = {},
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    // Every line about a request carries its trace id, so one search finds it in every process's log.
    mixin: traceIdOf,
  };
  const logger = pino(options, destination ?? standardOutput(service));
  // On the root object: every child (pino's child() is Object.create(parent)) finds it through its prototype chain.
  Object.defineProperty(logger, POLICY, { value: { ...DEFAULT_POLICY, ...policy } });
  return logger;
}

// A fresh object each time: pino merges the line's own fields into what the mixin returns.
function traceIdOf(merge: object): object {
  const trace = traceOfLogLine(merge);
  return trace ? { traceId: trace.traceId } : {};
}

/**
 * stdout written in batches: every line logged within `windowMs` (`LABMCP_LOG_BATCH_MS`; at 0, within one turn of the event
 * loop) goes out in one write, and a batch past 256 KiB goes at once. Under load that is one system call (or one
 * IPC message, under PM2) for dozens of lines instead of one each. What is pending is written synchronously when
 * the process exits; a process killed outright loses at most that window. The buffer is bounded: past it, lines are
 * dropped (and the drop reported) rather than memory growing without limit.
 *
 * Under PM2, `process.stdout.write` is PM2's own: it writes to the app's log file and relays each call to the
 * daemon as an IPC message (for `pm2 logs` and pm2-runtime's container output). Writing to file descriptor 1
 * would bypass both and lose the lines, so there the batches go through it: each IPC message costs the app and the
 * daemon CPU of its own, which is what the batch window saves.
 */
export function standardOutput(service: string, windowMs: number = DEFAULT_LOG_BATCH_MS): pino.DestinationStream {
  // One per process, whatever the number of loggers: their lines share the batches, in order (the first call's
  // window holds).
  if (!sharedStdout) {
    const pm2 = process.stdout.write !== Object.getPrototypeOf(process.stdout).write;
    sharedStdout = new BatchedStdout(
      LOG_BUFFER_CHARS,
      pm2 ? process.stdout : pino.destination({ dest: 1, sync: true }),
      { service, pid: process.pid },
      { windowMs },
    );
  }
  return sharedStdout;
}

export const DEFAULT_LOG_BATCH_MS = 20;
// A batch this large goes out at once, whatever the window: it bounds one write (one IPC message under PM2).
const EAGER_BATCH_CHARS = 256 * 1024;

let sharedStdout: BatchedStdout | undefined;

/** Collects lines and hands them to `out.write` once per window (or per turn of the event loop). */
export class BatchedStdout implements pino.DestinationStream {
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly windowMs: number;
  private readonly eagerChars: number;
  /** Lines dropped because the buffer was full, since the last report of it. */
  dropped = 0;

  constructor(
    private readonly maxChars: number,
    private readonly out: { write: (chunk: string) => unknown } = process.stdout,
    /** Fields for the line that reports dropped lines (it is written here, not through a logger). */
    private readonly source: Record<string, unknown> = {},
    /** windowMs: how long a line may wait for others (0: until the end of the turn); eagerChars: a batch this big goes at once. */
    options: { windowMs?: number; eagerChars?: number } = {},
  ) {
    this.windowMs = options.windowMs ?? 0;
    this.eagerChars = Math.min(options.eagerChars ?? EAGER_BATCH_CHARS, maxChars);
    process.once('exit', () => this.flush());
  }

  write(line: string): void {
    if (this.pendingChars + line.length > this.maxChars) this.dropped++;
    else {
      this.pending.push(line);
      this.pendingChars += line.length;
    }
    if (this.pendingChars >= this.eagerChars) this.flush();
    else if (this.timer === undefined) {
      // Unreferenced: a pending batch never keeps a process alive (the exit handler writes it).
      this.timer = this.windowMs > 0 ? setTimeout(() => this.flush(), this.windowMs).unref() : setImmediate(() => this.flush()).unref();
    }
  }

  flush(): void {
    if (this.timer !== undefined) {
      if (this.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    if (this.pending.length === 0 && this.dropped === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.out.write(this.dropped > 0 ? text + this.droppedReport() : text);
  }

  /** What was lost is said in the log itself, once per batch, so a gap in the lines is never silent. */
  private droppedReport(): string {
    const line = JSON.stringify({
      level: 'warn',
      time: new Date().toISOString(),
      ...this.source,
      event: 'log_lines_dropped',
      dropped: this.dropped,
      msg: `${this.dropped} log line(s) dropped: more than the log buffer holds was logged in one turn of the event loop`,
    });
    this.dropped = 0;
    return `${line}\n`;
  }
}

/** A short, stable stand-in for a secret, so logs can tell callers apart without holding the secret. */
export { fingerprint } from './fingerprint.js';
