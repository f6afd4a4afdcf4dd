/**
 * How the bundle's processes are laid out and started, for the tests (test/helpers) and the benchmarks
 * (scripts/bench) alike: free loopback ports, a data and a log folder, the environment every process reads, the
 * built entry point of each package, and the wait until a process answers its `/health`.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ProcessName = 'router' | 'quilt-mcp' | 'benchling-mcp' | 'benchling-sandbox';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built entry point of a process (`npm run build` / `tsc -b` makes it). */
export function scriptOf(name: ProcessName): string {
  return path.join(repoRoot, 'packages', name, 'dist', 'main.js');
}

/** A port that was free a moment ago on loopback (the OS hands out a fresh ephemeral one each time). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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
 * that points every process at them: no `.env` file is read, everything listens on 127.0.0.1.
 */
export async function bundleLayout(base: string, extraEnv: Record<string, string> = {}, options: { home?: string } = {}): Promise<BundleLayout> {
  const dataDir = path.join(base, 'data');
  const logDir = path.join(base, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports: Record<ProcessName, number> = {
    router: await freePort(),
    'quilt-mcp': await freePort(),
    'benchling-mcp': await freePort(),
    'benchling-sandbox': await freePort(),
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
 * Waits until `url`/health answers 200. `exited` (the process's exit, as a rejecting promise) ends the wait at
 * once: a process that cannot start (invalid settings, say) is reported now, not when the time runs out.
 */
export async function waitForHealth(url: string, timeoutMs = 15_000, exited?: Promise<never>, fetcher: typeof fetch = fetch): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let gone: unknown;
  exited?.catch((err: unknown) => {
    gone = err;
  });
  while (Date.now() < deadline) {
    if (gone !== undefined) throw gone;
    try {
      const res = await fetcher(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (gone !== undefined) throw gone;
  throw new Error(`${url}/health not healthy after ${timeoutMs} ms (${last})`);
}
