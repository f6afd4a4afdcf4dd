/**
 * Starts the real sandbox on 127.0.0.1:0 with a temporary data folder and talks to it over HTTP. Every answer
 * under /api/v2 is checked against Benchling's OpenAPI description before the test sees it:
 *  - bodies the spec defines for that operation and status are validated with ajv, and 2xx bodies must not
 *    carry properties the spec does not declare;
 *  - error bodies the spec does not define for that operation are validated against its error components
 *    (NotFoundError for 404, ListingError for `invalidIds`, BadRequestError for other 4xx) plus the
 *    `{error: {type, message, userMessage}}` shape every Benchling error has;
 *  - the rate-limit headers are present and integers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSandboxServer, type Sandbox, type SandboxOptions } from '../../src/index.js';
import { SpecValidator } from './openapi.js';

/** The parts of a tap test the harness uses. */
export interface Asserts {
  strictSame(found: unknown, wanted: unknown, message: string): unknown;
  teardown(fn: () => unknown): void;
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the spec, then read freely
  body: any;
  text: string;
}

export interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** sent as is, instead of JSON.stringify(body) */
  rawBody?: string;
  headers?: Record<string, string>;
  /** stream the body (chunked transfer encoding, no Content-Length) */
  chunked?: boolean;
}

let sharedSpec: SpecValidator | undefined;
export function spec(): SpecValidator {
  sharedSpec ??= new SpecValidator();
  return sharedSpec;
}

export function basic(key: string): string {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

export class Client {
  constructor(
    private readonly harness: Harness,
    private readonly authorization: string | undefined,
  ) {}

  get(apiPath: string, query?: RequestOptions['query']): Promise<Reply> {
    return this.request('GET', apiPath, query ? { query } : {});
  }

  post(apiPath: string, body: unknown, options: RequestOptions = {}): Promise<Reply> {
    return this.request('POST', apiPath, { ...options, body });
  }

  /** `apiPath` is below /api/v2 (e.g. `/entries`), or absolute when it starts with `//` (e.g. `//health`). */
  async request(method: string, apiPath: string, options: RequestOptions = {}): Promise<Reply> {
    const fullPath = apiPath.startsWith('//') ? apiPath.slice(1) : `/api/v2${apiPath}`;
    const url = new URL(fullPath, this.harness.url);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...(this.authorization ? { authorization: this.authorization } : {}), ...options.headers };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    let payload: RequestInit['body'] = body;
    if (body !== undefined && options.chunked) {
      const bytes = new TextEncoder().encode(body);
      payload = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
          controller.close();
        },
      });
    }
    // duplex is required by fetch for streamed request bodies.
    const init: RequestInit & { duplex?: 'half' } = { method, headers, ...(payload !== undefined ? { body: payload, duplex: 'half' } : {}) };
    const res = await fetch(url, init);
    const text = await res.text();
    let parsed: unknown;
    if ((res.headers.get('content-type') ?? '').includes('application/json') && text) parsed = JSON.parse(text);
    const reply: Reply = { status: res.status, headers: res.headers, body: parsed, text };
    if (fullPath.startsWith('/api/v2')) this.harness.validate(method, url.pathname.slice('/api/v2'.length), reply);
    return reply;
  }
}

export class Harness {
  url = '';
  sandbox!: Sandbox;
  /** how many answers were checked against the spec */
  validated = 0;
  readonly spec = spec();

  constructor(
    private readonly t: Asserts,
    readonly dataDir: string,
    private options: Partial<SandboxOptions>,
  ) {}

  as(key: string | null): Client {
    return new Client(this, key === null ? undefined : basic(key));
  }

  /** A client sending this exact Authorization header (or none). */
  withAuthorization(header: string | undefined): Client {
    return new Client(this, header);
  }

  async start(): Promise<void> {
    this.sandbox = await createSandboxServer({ dataDir: this.dataDir, ...this.options });
    await new Promise<void>((resolve) => this.sandbox.server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.sandbox.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Close and start again on the same data folder, as a process restart would. */
  async restart(options: Partial<SandboxOptions> = {}): Promise<void> {
    await this.sandbox.close();
    this.options = { ...this.options, ...options };
    await this.start();
  }

  validate(method: string, apiPath: string, reply: Reply): void {
    const where = `${method} ${apiPath} -> ${reply.status}`;
    const problems: string[] = [];
    const rateHeaders = ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset'];
    for (const h of rateHeaders) if (!/^\d+$/.test(reply.headers.get(h) ?? '')) problems.push(`header ${h} missing or not an integer`);
    const count = reply.headers.get('result-count');
    if (count !== null && !/^\d+$/.test(count)) problems.push('Result-Count is not an integer');

    const isJson = reply.body !== undefined;
    const op = this.spec.operationFor(method, apiPath);
    const status = String(reply.status);
    if (op?.responses[status]) {
      problems.push(...this.spec.checkResponseSchema(op, status, reply.body));
      if (reply.status < 300) problems.push(...this.spec.undeclaredInResponse(op, status, reply.body).map((p) => `undeclared property ${p}`));
    } else if (reply.status >= 400 && isJson) {
      const component = reply.status === 404 ? 'NotFoundError' : reply.body?.invalidIds ? 'ListingError' : reply.status < 500 ? 'BadRequestError' : null;
      if (component) {
        problems.push(...this.spec.checkComponent(component, reply.body));
        problems.push(...this.spec.undeclaredProperties(component, reply.body).map((p) => `undeclared property ${p}`));
      }
    } else if (reply.status < 400) {
      problems.push(`the spec defines no ${status} answer for ${where}`);
    }
    if (reply.status >= 400 && isJson) {
      const e = reply.body?.error;
      for (const k of ['type', 'message', 'userMessage']) if (typeof e?.[k] !== 'string' || !e[k]) problems.push(`error.${k} missing`);
      // A missing object names its id; an unknown route has no id to name.
      if (reply.status === 404 && op && typeof e?.invalidId !== 'string') problems.push('404 without error.invalidId');
    }
    this.validated++;
    this.t.strictSame(problems, [], `spec: ${where}`);
  }
}

/** A sandbox for one test, removed (server, store and data folder) when the test ends. */
export async function startSandbox(t: Asserts, options: Partial<SandboxOptions> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'benchling-sandbox-test-'));
  const harness = new Harness(t, dataDir, options);
  await harness.start();
  t.teardown(async () => {
    await harness.sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return harness;
}
