/**
 * How the bundle's processes are laid out and started, for the tests (test/helpers) and the benchmarks
 * (scripts/bench) alike: free loopback ports, a data and a log folder, the environment every process reads, the
 * built entry point of each package, and the wait until a process answers its `/health`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ProcessName = 'router' | 'quilt-mcp' | 'benchling-mcp' | 'benchling-sandbox';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built entry point of a process (`npm run build` / `tsc -b` makes it). */
export function scriptOf(name: ProcessName): string {
  return path.join(repoRoot, 'packages', name, 'dist', 'main.js');
}

/** Ports handed out by this process: each goes to one process of ours (the kernel may offer a released one again). */
const handedOut = new Set<number>();

/**
 * A loopback port that was free a moment ago and that this process has not handed out before. It stays free only
 * until someone else binds it, so whoever starts a process on it must be ready to find it taken (`PortTakenError`)
 * and lay out again. On Linux it is drawn outside the kernel's ephemeral range: that range is where `listen(0)` and
 * every outgoing connection on the machine take their ports, so a port drawn there is more likely to be gone by
 * the time its process binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(randomSparePort());
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port in 50 tries');
}

/** Binds 127.0.0.1:`port` (0: the kernel's choice) and releases it: the port bound, or undefined if it was in use. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err)));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** Ports below this are left alone: the usual ports of development servers and databases are there. */
const SPARE_FLOOR = 20_000;
let spare: { from: number; to: number }[] | undefined;

/** A random port outside the ephemeral range (ip_local_port_range), or 0 where that range is unknown or leaves too few. */
function randomSparePort(): number {
  spare ??= spareRanges();
  const total = spare.reduce((n, r) => n + r.to - r.from + 1, 0);
  if (total < 1000) return 0;
  let pick = randomInt(total);
  for (const r of spare) {
    const size = r.to - r.from + 1;
    if (pick < size) return r.from + pick;
    pick -= size;
  }
  return 0;
}

function spareRanges(): { from: number; to: number }[] {
  let low: number;
  let high: number;
  try {
    [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
  } catch {
    return [];
  }
  if (!Number.isInteger(low) || !Number.isInteger(high)) return [];
  return [
    { from: SPARE_FLOOR, to: low - 1 },
    { from: Math.max(SPARE_FLOOR, high + 1), to: 65_535 },
  ].filter((r) => r.to >= r.from);
}

export interface BundleLayout {
  base: string;
  dataDir: string;
  logDir: string;
  ports: Record<ProcessName, number>;
  /** What every process of the bundle is started with (`extraEnv` last, so it wins). */
  env: Record<string, string>;
}

/**
 * Ports and folders for one bundle under `base` (a fresh temporary folder of the caller's), and the environment
 * that points every process at them: no `.env` file is read, everything listens on 127.0.0.1. The ports come from
 * `options.port` (default `freePort`), in the order router, quilt-mcp, benchling-mcp, benchling-sandbox.
 */
export async function bundleLayout(
  base: string,
  extraEnv: Record<string, string> = {},
  options: { home?: string; port?: () => Promise<number> } = {},
): Promise<BundleLayout> {
  const dataDir = path.join(base, 'data');
  const logDir = path.join(base, 'logs');
  mkdirSync(logDir, { recursive: true });
  const port = options.port ?? freePort;
  const ports: Record<ProcessName, number> = {
    router: await port(),
    'quilt-mcp': await port(),
    'benchling-mcp': await port(),
    'benchling-sandbox': await port(),
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.home ?? process.env.HOME ?? base,
    LABMCP_ENV_FILE: path.join(base, 'no.env'),
    LABMCP_DATA_DIR: dataDir,
    LABMCP_LOG_DIR: logDir,
    ROUTER_HOST: '127.0.0.1',
    ROUTER_PORT: String(ports.router),
    QUILT_MCP_PORT: String(ports['quilt-mcp']),
    BENCHLING_MCP_PORT: String(ports['benchling-mcp']),
    BENCHLING_SANDBOX_PORT: String(ports['benchling-sandbox']),
    ...extraEnv,
  };
  return { base, dataDir, logDir, ports, env };
}

/**
 * A port the bundle was laid out with is held by a process not of this bundle (another test's, say): a process of
 * ours could not listen on it, or another service answers there. Not a failure of the code under test: whoever
 * laid out the ports lays out again on fresh ones.
 */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/**
 * The exit of a child started to listen on a port, as a rejecting promise (for `waitForHealth`'s `exited`): a
 * `PortTakenError` when it could not listen because the port is taken (the processes do not catch that: Node prints
 * `Error: listen EADDRINUSE: address already in use <host>:<port>` on stderr and exits with 1), else an Error with
 * its exit code or signal. Settles on `close`, once all its stderr has been read.
 */
export function exitOf(child: ChildProcess): Promise<never> {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) => {
      const taken = /listen EADDRINUSE: address already in use (\S+)/.exec(tail);
      reject(taken ? new PortTakenError(`${taken[1]} is taken by another process (exited with ${code})`) : new Error(`exited with ${signal ?? code}`));
    }),
  );
  exited.catch(() => {}); // an exit after it came up is the caller's business, not an unhandled rejection
  return exited;
}

/** How many layouts a bundle is started with before a port taken each time is reported (it is rare even once). */
export const LAYOUT_ATTEMPTS = 3;

/**
 * Runs `start`, which lays out fresh ports and starts on them (and stops what it started when it fails), again
 * while it fails with `PortTakenError`: its processes' ports are in each other's settings, so a port found taken
 * means a new layout for all of them.
 */
export async function withFreshPorts<T>(start: () => Promise<T>, attempts = LAYOUT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= attempts) throw err;
    }
  }
}

export interface HealthWait {
  /** Default 15 s. */
  timeoutMs?: number;
  /**
   * The process's exit, as a rejecting promise (`exitOf`): ends the wait at once, so a process that cannot start
   * (invalid settings, say) is reported now, not when the time runs out.
   */
  exited?: Promise<never>;
  fetcher?: typeof fetch;
  /**
   * The `service` its `/health` names (each process's is its name: router, quilt-mcp, benchling-mcp,
   * benchling-sandbox). An answer naming another, or a 200 naming none, is a `PortTakenError` at once: the port
   * belongs to another process. Without it, any 200 will do.
   */
  expect?: string;
}

/** Waits until `url`/health answers 200 (from the `expect`ed service, if given). */
export async function waitForHealth(url: string, options: HealthWait = {}): Promise<void> {
  const { timeoutMs = 15_000, exited, fetcher = fetch, expect } = options;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let gone: unknown;
  exited?.catch((err: unknown) => {
    gone = err;
  });
  while (Date.now() < deadline) {
    if (gone !== undefined) throw gone;
    let answer: { status: number; ok: boolean; service: string | undefined } | undefined;
    try {
      const res = await fetcher(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      answer = { status: res.status, ok: res.ok, service: await serviceOf(res) };
    } catch (err) {
      last = (err as Error).message;
    }
    if (answer) {
      // Ours names itself in every answer it gives here (a 503 while it starts too); a 200 naming nobody is not ours.
      const foreign = answer.service === undefined ? answer.ok : answer.service !== expect;
      if (expect !== undefined && foreign) {
        throw new PortTakenError(
          `${url} is taken by another process: its /health answers ${answer.status} from ${answer.service ?? 'an unnamed service'}, not ${expect}`,
        );
      }
      if (answer.ok) return;
      last = `HTTP ${answer.status}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (gone !== undefined) throw gone;
  throw new Error(`${url}/health not healthy after ${timeoutMs} ms (${last})`);
}

/** The `service` a `/health` answer names, read from at most 64 KiB of its body (whatever answered may not be ours). */
async function serviceOf(res: Response): Promise<string | undefined> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body ?? []) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > 65_536) return undefined; // leaving the loop cancels the rest of the body
  }
  try {
    const service = (JSON.parse(text) as { service?: unknown } | null)?.service;
    return typeof service === 'string' ? service : undefined;
  } catch {
    return undefined;
  }
}
