import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createSandboxServer, type Sandbox, type SandboxOptions } from '@labmcp/benchling-sandbox';
import { type AnyTool, createLogger, type Logger } from '@labmcp/service-kit';
import { BenchlingClient, type BenchlingClientOptions } from '../src/benchling/client.js';
import { TenantPacer } from '../src/benchling/pacer.js';
import { type BenchlingToolContext, LookupCache, type ToolSettings } from '../src/context.js';

export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface RunningSandbox {
  url: string;
  sandbox: Sandbox;
}

/** The sandbox in-process on 127.0.0.1:0 with a temporary store, removed when the test ends. */
export async function startSandbox(t: Teardown, options: Partial<SandboxOptions> = {}): Promise<RunningSandbox> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'benchling-mcp-test-'));
  const sandbox = await createSandboxServer({ dataDir, rateLimit: { limit: 100_000 }, ...options });
  await new Promise<void>((resolve) => sandbox.server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = sandbox.server.address() as AddressInfo;
  t.teardown(async () => {
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { url: `http://127.0.0.1:${port}`, sandbox };
}

/** Log lines captured as text, to check what reached the log. */
export function captureLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('benchling-mcp-test', 'debug', sink), text: () => chunks.join('') };
}

/** A client with its own pacer (tests must not share the process-wide one) and fast retries by default. */
export function makeClient(url: string, options: Partial<BenchlingClientOptions> = {}): BenchlingClient {
  return new BenchlingClient({
    baseUrl: url,
    baseDelayMs: 20,
    maxDelayMs: 200,
    pacer: new TenantPacer({ slowdownRemaining: options.slowdownRemaining ?? 0 }),
    ...options,
  });
}

export const TEST_TOOL_SETTINGS: ToolSettings = { folderScanMaxPages: 5, folderScanPageSize: 100, cacheTtlMs: 0 };

/** Runs a tool the way registerTools does (input parsed with its schema), and checks the result against its output schema. */
export async function runTool(
  tool: AnyTool<BenchlingToolContext>,
  args: Record<string, unknown>,
  client: BenchlingClient,
  apiKey: string,
  options: { settings?: Partial<ToolSettings>; logger?: Logger; signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  const logger = options.logger ?? createLogger('benchling-mcp-test', 'silent');
  const settings = { ...TEST_TOOL_SETTINGS, ...options.settings };
  const parsed = tool.input.parse(args);
  const result = await tool.run(parsed, {
    caller: { userId: 'test-user', keySource: 'user' },
    benchling: client.session(apiKey),
    settings,
    cache: new LookupCache(settings.cacheTtlMs),
    baseUrl: client.baseUrl,
    logger,
    userId: 'test-user',
    log: logger,
    signal: options.signal ?? new AbortController().signal,
    progress: async () => {},
  });
  return tool.output.parse(result) as Record<string, unknown>;
}
