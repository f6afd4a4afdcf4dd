import { hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fingerprint, inSpan, type Logger } from '@labmcp/service-kit';
import { LRUCache } from 'lru-cache';
import { readBytesBounded } from './bounded-body.js';
import { BenchlingError, type BenchlingErrorBody, describeErrorBody, errorBodyOf, scrub } from './errors.js';
import { KeySlots } from './key-slots.js';
import { type TenantPacer, tenantPacer } from './pacer.js';

export interface BenchlingClientSettings {
  /** One attempt's time limit: connect, headers and body. */
  timeoutMs: number;
  /** Tries per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** All waiting one request may do (back-off, rate-limit resets, pacing) before it gives up. */
  maxWaitMs: number;
  maxConcurrencyPerKey: number;
  maxResponseBytes: number;
  /** See TenantPacer. */
  slowdownRemaining: number;
  /** How long a key Benchling refused (401) is refused here without asking Benchling again; 0: not at all. */
  rejectedKeyTtlMs: number;
}

export const DEFAULT_CLIENT_SETTINGS: BenchlingClientSettings = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxWaitMs: 40_000,
  maxConcurrencyPerKey: 4,
  maxResponseBytes: 10 * 1024 * 1024,
  slowdownRemaining: 10,
  rejectedKeyTtlMs: 300_000,
};

/** What one attempt came to; reported to `onAttempt` (tests, metrics). Never holds the key. */
export interface AttemptReport {
  method: string;
  path: string;
  attempt: number;
  status?: number;
  /** connection error code, `timeout` or `too_large` when there was no usable answer */
  error?: string;
  durationMs: number;
}

export interface BenchlingClientOptions extends Partial<BenchlingClientSettings> {
  /** The tenant, e.g. https://tenant.benchling.com; the API is under /api/v2. */
  baseUrl: string;
  logger?: Logger;
  /** Called when Benchling refuses a key (401/403), to count it as an auth failure. */
  onKeyRejected?: (status: number) => void;
  onAttempt?: (report: AttemptReport) => void;
  /** Default: the process-wide pacer of this tenant, shared by every client and key. */
  pacer?: TenantPacer;
  random?: () => number;
}

export type KeySource = 'user' | 'service' | 'vault';
export type QueryValue = string | number | boolean | undefined | null;
export type Query = Record<string, QueryValue>;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH';
  /** Below /api/v2, e.g. `/entries` or `/entries/etr_abc123` (ids already validated by the tools). */
  path: string;
  query?: Query;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

export interface BenchlingResponse<T> {
  status: number;
  body: T;
  headers: Headers;
  attempts: number;
}

type Attempt =
  | { kind: 'response'; status: number; statusText: string; headers: Headers; body: unknown }
  | { kind: 'network'; code: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'too_large'; bytes: number | undefined; headers: Headers };

/** Connection failures worth another try for reads. */
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
/** ...and for writes only those where the request certainly never reached Benchling (no duplicate creates). */
const RETRYABLE_NETWORK_WRITE = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const RETRYABLE_STATUS_READ = new Set([429, 502, 503, 504]);
/** A 502/504 on a POST may come after Benchling did the work; 429 and 503 are refusals before it. */
const RETRYABLE_STATUS_WRITE = new Set([429, 503]);
const ERROR_BODY_LIMIT = 64 * 1024;
/** Jitter added to a server-given wait (rate-limit reset, Retry-After), so waiting clients don't return together. */
const HEADER_WAIT_JITTER_MS = 500;

/**
 * Benchling REST API v2 over HTTP Basic (the key as user name, empty password). Retries 429, 502/503/504 and
 * connection failures with exponential back-off and jitter, honouring `x-rate-limit-reset` / `Retry-After`,
 * within bounded tries and total wait; paces every key of the tenant together (TenantPacer); bounds each
 * attempt in time, each answer in size, and each key's requests in flight. Errors are BenchlingErrors (tool
 * errors) whose messages never contain the key; keys are never logged.
 */
export class BenchlingClient {
  readonly baseUrl: string;
  readonly settings: BenchlingClientSettings;
  readonly pacer: TenantPacer;
  private readonly slots: KeySlots;
  private readonly random: () => number;
  /**
   * Keys Benchling accepted lately, and keys it refused (401) lately, by a hash of the key (bounded, expiring).
   * A refused key is not sent again while remembered; a key not yet accepted only gets a spare turn of the
   * tenant's rate limit (TenantPacer.reserveSpare), so failed authentication cannot starve working keys.
   */
  private readonly acceptedKeys = new LRUCache<string, true>({ max: 10_000, ttl: 60 * 60_000 });
  private readonly rejectedKeys: LRUCache<string, true> | undefined;

  constructor(private readonly options: BenchlingClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.settings = { ...DEFAULT_CLIENT_SETTINGS, ...definedOnly(options) };
    this.random = options.random ?? Math.random;
    this.pacer = options.pacer ?? tenantPacer(this.baseUrl, { slowdownRemaining: this.settings.slowdownRemaining, random: this.random });
    this.slots = new KeySlots(this.settings.maxConcurrencyPerKey);
    this.rejectedKeys = this.settings.rejectedKeyTtlMs > 0 ? new LRUCache({ max: 10_000, ttl: this.settings.rejectedKeyTtlMs }) : undefined;
  }

  /** Whether Benchling refused this key (401) within the last `rejectedKeyTtlMs`. */
  keyRejectedRecently(apiKey: string): boolean {
    // Asked for every request: no hashing while no key has been refused.
    return this.rejectedKeys !== undefined && this.rejectedKeys.size > 0 && this.rejectedKeys.has(keyHash(apiKey));
  }

  /** A handle that makes requests with one key; the key stays inside it (not enumerable, never serialised). */
  session(
    apiKey: string,
    options: { keySource?: KeySource; signal?: AbortSignal; log?: Logger; refreshKey?: ((refused: string) => Promise<string | undefined>) | undefined } = {},
  ): BenchlingSession {
    return new BenchlingSession(this, apiKey, options.keySource ?? 'user', options.signal, options.log, options.refreshKey);
  }

  /** Requests in flight for a key fingerprint (tests). */
  activeFor(keyId: string): number {
    return this.slots.active(keyId);
  }

  async request<T>(apiKey: string, spec: RequestSpec, context: { keySource: KeySource; log?: Logger | undefined }): Promise<BenchlingResponse<T>> {
    const url = this.urlFor(spec);
    const log = context.log ?? this.options.logger;
    const keyId = fingerprint(apiKey);
    const hashed = keyHash(apiKey);
    const started = Date.now();
    const { maxAttempts, maxWaitMs } = this.settings;
    if (context.keySource === 'user' && this.rejectedKeys?.has(hashed)) {
      throw new BenchlingError(
        'key_rejected',
        `Benchling rejected this API key within the last ${seconds(this.settings.rejectedKeyTtlMs)}; it is not sent again until then. Check the key you send in X-Benchling-API-Key.`,
        { attempts: 0, waitedMs: 0, retryInMs: undefined },
      );
    }
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      // A retry follows an answer that was not a refusal of the key (401 is never retried), so it waits its turn.
      const proven = attempt > 1 || context.keySource === 'service' || this.acceptedKeys.has(hashed);
      const reservation = proven ? this.pacer.reserve(maxWaitMs - waited) : this.pacer.reserveSpare();
      if (!reservation.ok && !proven) {
        throw new BenchlingError(
          'rate_limited',
          `Benchling's rate limit for this tenant is running low, and what is left is kept for keys Benchling has already accepted; this key has not been used successfully yet. Try again in ${seconds(reservation.waitMs)}.`,
          { attempts: attempt - 1, waitedMs: waited, retryInMs: reservation.waitMs },
        );
      }
      if (!reservation.ok) {
        throw new BenchlingError(
          'rate_limited',
          `Benchling's rate limit for this tenant (shared by all its users) is used up for now: the next request could go in ${seconds(reservation.waitMs)}, ` +
            `longer than this server waits. Try again in ${seconds(reservation.waitMs)}.`,
          { attempts: attempt - 1, waitedMs: waited, retryInMs: reservation.waitMs },
        );
      }
      let outcome: Attempt | undefined;
      let attemptStarted = Date.now();
      try {
        if (reservation.waitMs > 0) {
          await this.pause(reservation.waitMs, spec.signal);
          waited += reservation.waitMs;
        }
        let release: () => void;
        const queued = Date.now();
        try {
          release = await this.slots.acquire(keyId, spec.signal);
        } catch {
          throw cancelled();
        }
        waited += Date.now() - queued;
        attemptStarted = Date.now();
        try {
          outcome = await this.tracedAttempt(apiKey, spec, url, attempt);
        } finally {
          release();
        }
      } finally {
        this.pacer.settle(outcome && 'headers' in outcome ? outcome.headers : undefined);
      }
      this.options.onAttempt?.({
        method: spec.method,
        path: spec.path,
        attempt,
        durationMs: Date.now() - attemptStarted,
        ...(outcome.kind === 'response' ? { status: outcome.status } : { error: outcome.kind === 'network' ? outcome.code : outcome.kind }),
      });
      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        this.acceptedKeys.set(hashed, true);
        return { status: outcome.status, body: outcome.body as T, headers: outcome.headers, attempts: attempt };
      }
      if (outcome.kind === 'cancelled') throw cancelled();

      const retry = this.retryPlan(outcome, spec.method, attempt);
      const where = {
        method: spec.method,
        path: spec.path,
        attempt,
        ...(outcome.kind === 'response' ? { status: outcome.status } : { error: outcome.kind === 'network' ? outcome.code : outcome.kind }),
      };
      if (retry && attempt < maxAttempts) {
        if (retry.tenantWide) {
          // A 429 is about the tenant: every key waits, through the pacer, which also checks the wait budget.
          this.pacer.blockUntil(Date.now() + retry.delayMs);
          log?.warn({ benchling: { ...where, delayMs: retry.delayMs } }, 'Benchling rate limit hit; waiting for the window to reset');
          continue;
        }
        if (waited + retry.delayMs <= maxWaitMs) {
          log?.warn({ benchling: { ...where, delayMs: retry.delayMs } }, 'Benchling request failed; retrying');
          await this.pause(retry.delayMs, spec.signal);
          waited += retry.delayMs;
          continue;
        }
      }
      if (retry?.tenantWide) this.pacer.blockUntil(Date.now() + retry.delayMs);
      const error = this.failure(outcome, spec, apiKey, context.keySource, { attempts: attempt, waitedMs: Date.now() - started, retryInMs: retry?.delayMs });
      log?.warn({ benchling: { ...where, kind: error.kind, attempts: attempt, elapsedMs: Date.now() - started } }, 'Benchling request failed');
      throw error;
    }
  }

  private urlFor(spec: RequestSpec): URL {
    const url = new URL(`${this.baseUrl}/api/v2${spec.path}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    return url;
  }

  /**
   * One attempt in a client span of the caller's trace (while spans are exported), with the trace's `traceparent`
   * sent along. The span names the method, the API path (ids, never the query) and the outcome; never the key.
   */
  private tracedAttempt(apiKey: string, spec: RequestSpec, url: URL, attempt: number): Promise<Attempt> {
    const attributes = { 'http.request.method': spec.method, 'url.path': url.pathname, 'server.address': url.hostname, 'benchling.attempt': attempt };
    return inSpan(`Benchling ${spec.method}`, 'client', attributes, async (span) => {
      const outcome = await this.attempt(apiKey, spec, url, span.traceparent());
      if (outcome.kind === 'response') span.set({ 'http.response.status_code': outcome.status });
      if (outcome.kind !== 'response' || outcome.status >= 400)
        span.fail(outcome.kind === 'response' ? `HTTP ${outcome.status}` : outcome.kind === 'network' ? outcome.code : outcome.kind);
      return outcome;
    });
  }

  private async attempt(apiKey: string, spec: RequestSpec, url: URL, traceparent: string | undefined): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const interrupted = (): Attempt | undefined => (spec.signal?.aborted ? { kind: 'cancelled' } : timeout.aborted ? { kind: 'timeout' } : undefined);
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`,
      accept: 'application/json',
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (traceparent !== undefined) headers.traceparent = traceparent;
    let res: Response;
    try {
      res = await fetch(url, {
        method: spec.method,
        headers,
        ...(spec.body !== undefined && { body: JSON.stringify(spec.body) }),
        signal,
        // The key must reach Benchling and nothing else: a redirect is reported, never followed.
        redirect: 'manual',
      });
    } catch (err) {
      return interrupted() ?? { kind: 'network', code: networkCode(err) };
    }
    const ok = res.status >= 200 && res.status < 300;
    let text: string;
    try {
      const read = await readBounded(res, ok ? this.settings.maxResponseBytes : ERROR_BODY_LIMIT, !ok);
      if (read.tooLarge) return { kind: 'too_large', bytes: read.declared, headers: res.headers };
      text = read.text;
    } catch (err) {
      return interrupted() ?? { kind: 'network', code: networkCode(err) };
    }
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
        if (ok) return { kind: 'response', status: 599, statusText: 'unreadable answer', headers: res.headers, body: undefined };
      }
    } else if (ok) body = {};
    return { kind: 'response', status: res.status, statusText: res.statusText, headers: res.headers, body };
  }

  private retryPlan(outcome: Attempt, method: string, attempt: number): { delayMs: number; tenantWide: boolean } | undefined {
    const write = method !== 'GET';
    if (outcome.kind === 'network') {
      if (!(write ? RETRYABLE_NETWORK_WRITE : RETRYABLE_NETWORK).has(outcome.code)) return undefined;
      return { delayMs: this.backoff(attempt), tenantWide: false };
    }
    if (outcome.kind !== 'response') return undefined;
    if (!(write ? RETRYABLE_STATUS_WRITE : RETRYABLE_STATUS_READ).has(outcome.status)) return undefined;
    const told = retryAfterMs(outcome.headers) ?? (outcome.status === 429 ? resetMs(outcome.headers) : undefined);
    if (outcome.status === 429) {
      return { delayMs: told !== undefined ? told + this.random() * HEADER_WAIT_JITTER_MS : this.backoff(attempt), tenantWide: true };
    }
    return { delayMs: told !== undefined ? told + this.random() * HEADER_WAIT_JITTER_MS : this.backoff(attempt), tenantWide: false };
  }

  /** Exponential, capped, with "equal jitter": half the delay fixed, half random. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, signal ? { signal } : {});
    } catch {
      throw cancelled();
    }
  }

  private failure(
    outcome: Exclude<Attempt, { kind: 'cancelled' }>,
    spec: RequestSpec,
    apiKey: string,
    keySource: KeySource,
    stats: { attempts: number; waitedMs: number; retryInMs: number | undefined },
  ): BenchlingError {
    const tries = stats.attempts > 1 ? ` (${stats.attempts} tries over ${seconds(stats.waitedMs)})` : '';
    const op = `${spec.method} ${spec.path}`;
    switch (outcome.kind) {
      case 'timeout':
        return new BenchlingError(
          'timeout',
          `Benchling did not answer ${op} within ${seconds(this.settings.timeoutMs)}${tries}. Try again, or ask for less (a smaller page_size).`,
          stats,
        );
      case 'too_large':
        return new BenchlingError(
          'too_large',
          `Benchling's answer to ${op} is larger than this server reads (${this.settings.maxResponseBytes} bytes). Ask for less: a smaller page_size, or narrower filters.`,
          stats,
        );
      case 'network':
        return new BenchlingError('network', `Could not reach Benchling at ${new URL(this.baseUrl).host} (${outcome.code})${tries}. Try again shortly.`, stats);
      case 'response':
        break;
    }
    const { status } = outcome;
    const body = errorBodyOf(outcome.body);
    const said = describeErrorBody(body, apiKey);
    const details = { ...stats, status, ...(body ? { body: scrubBody(body, apiKey) } : {}) };
    const httpStatus = `HTTP ${status}${outcome.statusText ? ` ${scrub(outcome.statusText, apiKey)}` : ''}`;
    if (status === 401 || status === 403) {
      this.options.onKeyRejected?.(status);
      if (status === 401 && keySource !== 'service') {
        const hashed = keyHash(apiKey);
        this.acceptedKeys.delete(hashed);
        this.rejectedKeys?.set(hashed, true);
      }
      const hint =
        status === 403
          ? "The key's user is not allowed to do this."
          : keySource === 'service'
            ? "This server's shared service key (BENCHLING_API_KEY) is not accepted: tell the server's operator."
            : keySource === 'vault'
              ? 'This is the key stored for you in the key vault: ask an administrator to rotate it (a new key in Benchling, then `npm run benchling-keys -- rotate <user>` or a new secret value).'
              : 'Check the key you send in X-Benchling-API-Key (or Authorization: Basic): it may be mistyped, revoked, or for another tenant.';
      return new BenchlingError('key_rejected', `Benchling rejected the API key (${httpStatus}${said ? `: ${said}` : ''}). ${hint}`, details);
    }
    if (status === 404) return new BenchlingError('not_found', `Not found in Benchling: ${said ?? `${op} answered ${httpStatus}`}`, details);
    if (status === 409) return new BenchlingError('conflict', `Benchling refused it as a conflict (${httpStatus})${said ? `: ${said}` : ''}`, details);
    if (status === 429) {
      const again = stats.retryInMs !== undefined ? ` Try again in ${seconds(stats.retryInMs)}.` : ' Try again in a little while.';
      return new BenchlingError(
        'rate_limited',
        `Benchling's rate limit for this tenant (shared by all its users) is used up${tries}${said ? `: ${said}` : ''}.${again}`,
        details,
      );
    }
    if (status >= 300 && status < 400) {
      return new BenchlingError(
        'bad_response',
        `Benchling answered ${op} with a redirect (${httpStatus}), which is not followed; check BENCHLING_URL.`,
        details,
      );
    }
    if (status === 599) return new BenchlingError('bad_response', `Benchling's answer to ${op} was not readable JSON.`, details);
    if (status >= 500) {
      return new BenchlingError(
        'unavailable',
        `Benchling failed or is unavailable: ${httpStatus}${said ? ` (${said})` : ''}${tries}. Try again shortly.`,
        details,
      );
    }
    return new BenchlingError('bad_request', `Benchling refused the request (${httpStatus})${said ? `: ${said}` : ''}`, details);
  }
}

/**
 * One key's view of the API. The key is a private field: it does not show up when the session is logged,
 * inspected or serialised, and it goes nowhere but into the Authorization header of requests to Benchling.
 */
/** A full hash of a key for the accepted/rejected sets (a fingerprint's 48 bits could be matched on purpose). */
function keyHash(apiKey: string): string {
  return hash('sha256', apiKey, 'base64url');
}

export class BenchlingSession {
  readonly #client: BenchlingClient;
  #apiKey: string;
  readonly #refreshKey: ((refused: string) => Promise<string | undefined>) | undefined;
  /** A fingerprint of the key, safe for cache keys and logs. */
  keyId: string;

  constructor(
    client: BenchlingClient,
    apiKey: string,
    readonly keySource: KeySource,
    private readonly signal?: AbortSignal,
    private readonly log?: Logger,
    refreshKey?: (refused: string) => Promise<string | undefined>,
  ) {
    this.#client = client;
    this.#apiKey = apiKey;
    this.#refreshKey = refreshKey;
    this.keyId = fingerprint(apiKey);
  }

  /** The same key, bound to a call's cancellation signal and logger. */
  withSignal(signal: AbortSignal, log?: Logger): BenchlingSession {
    return new BenchlingSession(this.#client, this.#apiKey, this.keySource, signal, log ?? this.log, this.#refreshKey);
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.send<T>({ method: 'GET', path, ...(query && { query }), signal: this.signal })).body;
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.send<T>({ method: 'POST', path, body, signal: this.signal })).body;
  }

  /**
   * One request; when Benchling refuses the key (401) and the key's source (the vault, the service key file) now
   * holds another one, once more with that key: a key rotated while requests were in flight fails none of them.
   */
  private async send<T>(spec: RequestSpec): Promise<BenchlingResponse<T>> {
    try {
      return await this.#client.request<T>(this.#apiKey, spec, this.context());
    } catch (err) {
      if (!this.#refreshKey || !(err instanceof BenchlingError) || err.kind !== 'key_rejected' || err.status !== 401) throw err;
      const fresh = await this.#refreshKey(this.#apiKey);
      if (fresh === undefined || fresh === this.#apiKey) throw err;
      this.#apiKey = fresh;
      this.keyId = fingerprint(fresh);
      this.log?.info({ keySource: this.keySource }, 'Benchling refused the key; retrying with the key its source holds now');
      return this.#client.request<T>(fresh, spec, this.context());
    }
  }

  /** A change: sent again only where Benchling refused it before acting on it (429, 503, no connection), as POST is. */
  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.#client.request<T>(this.#apiKey, { method: 'PATCH', path, body, signal: this.signal }, this.context())).body;
  }

  /** One page of a list: the items under `envelope` and the token for the next page (null on the last). */
  async list<T>(path: string, envelope: string, query: Query): Promise<{ items: T[]; nextToken: string | null }> {
    const body = await this.get<Record<string, unknown>>(path, query);
    const items = body[envelope];
    if (!Array.isArray(items)) throw new BenchlingError('bad_response', `Benchling's answer to GET ${path} has no "${envelope}" list.`);
    const token = body.nextToken;
    return { items: items as T[], nextToken: typeof token === 'string' && token !== '' ? token : null };
  }

  toJSON(): Record<string, unknown> {
    return { keyId: this.keyId, keySource: this.keySource };
  }

  private context() {
    return { keySource: this.keySource, log: this.log };
  }
}

function cancelled(): BenchlingError {
  return new BenchlingError('cancelled', 'The call was cancelled before Benchling answered.');
}

function scrubBody(body: BenchlingErrorBody, secret: string): BenchlingErrorBody {
  const out: BenchlingErrorBody = { ...body };
  if (out.message) out.message = scrub(out.message, secret);
  if (out.userMessage) out.userMessage = scrub(out.userMessage, secret);
  return out;
}

async function readBounded(res: Response, limit: number, truncate: boolean): Promise<{ text: string; tooLarge: boolean; declared?: number }> {
  const read = await readBytesBounded(res, limit, truncate);
  return { text: read.bytes.toString('utf8'), tooLarge: read.tooLarge, ...(read.declared !== undefined && { declared: read.declared }) };
}

function networkCode(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return 'connection failed';
}

/** `Retry-After`: seconds or an HTTP date. */
function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** `x-rate-limit-reset`: seconds until the tenant's window resets. */
function resetMs(headers: Headers): number | undefined {
  const raw = headers.get('x-rate-limit-reset');
  if (!raw || !/^\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  return Number(raw) * 1000;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function definedOnly(options: Partial<BenchlingClientSettings>): Partial<BenchlingClientSettings> {
  const keys = Object.keys(DEFAULT_CLIENT_SETTINGS) as (keyof BenchlingClientSettings)[];
  const out: Partial<BenchlingClientSettings> = {};
  for (const k of keys) if (options[k] !== undefined) out[k] = options[k];
  return out;
}
