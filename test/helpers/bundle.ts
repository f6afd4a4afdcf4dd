import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleLayout, exitOf, type ProcessName, repoRoot, scriptOf, waitForHealth, withFreshPorts } from '../../scripts/lib/launcher.js';
import { pinnedFetch } from './pinned-fetch.js';

export { type ProcessName, repoRoot, waitForHealth };

export interface BundleOptions {
  env?: Record<string, string>;
  /** Processes to start; default: all four. */
  only?: ProcessName[];
  /**
   * Processes that run in one, as PM2 runs the demo tenant in benchling-mcp's (service-kit's run-together): that
   * process is started, logged and killed under the last name given.
   */
  together?: ProcessName[];
  /** Where the bundle's ports come from (default `freePort`): a test of the start itself hands out a taken one. */
  port?: () => Promise<number>;
}

export interface Bundle {
  /** `https://localhost:<port>` when the router serves HTTPS (ROUTER_TLS_CERT_FILE), else `http://127.0.0.1:<port>`. */
  routerUrl: string;
  ports: Record<ProcessName, number>;
  dataDir: string;
  logDir: string;
  env: Record<string, string>;
  start: (name: ProcessName) => Promise<void>;
  kill: (name: ProcessName, signal?: NodeJS.Signals) => Promise<void>;
  /** Every log line written so far by every process, as text. */
  logs: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the real built processes (packages/<name>/dist/main.js) on free loopback ports, as PM2 would, with their
 * stdout and stderr in one log file each, in a fresh data folder. A port that another process takes before ours
 * binds it (other test files start bundles at the same time) means a fresh layout and start (`withFreshPorts`).
 */
export function startBundle(options: BundleOptions = {}): Promise<Bundle> {
  return withFreshPorts(() => startBundleOnce(options));
}

async function startBundleOnce(options: BundleOptions): Promise<Bundle> {
  const base = mkdtempSync(path.join(tmpdir(), 'labmcp-test-'));
  // Log lines go out at the end of each turn of the event loop rather than in 20 ms batches: the tests read the log
  // files right after the requests that write them (and the checks that nothing secret is logged must see every line).
  const { dataDir, logDir, ports, env } = await bundleLayout(
    base,
    { LOG_LEVEL: 'info', LABMCP_LOG_BATCH_MS: '0', ...options.env },
    options.port ? { port: options.port } : {},
  );
  const children = new Map<ProcessName, ChildProcess>();
  const together = options.together ?? [];
  const host = together.at(-1);
  const names = (options.only ?? (['benchling-sandbox', 'quilt-mcp', 'benchling-mcp', 'router'] as ProcessName[])).filter(
    (name) => !together.includes(name) || name === host,
  );
  // With HTTPS, the router is waited for over HTTPS, trusting the test's own certificate.
  const routerCert = env.ROUTER_TLS_CERT_FILE;
  const routerUrl = routerCert ? `https://localhost:${ports.router}` : `http://127.0.0.1:${ports.router}`;

  async function start(name: ProcessName): Promise<void> {
    const out = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    const group = name === host ? together : [name];
    const child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', group.length > 1 ? path.join(repoRoot, 'packages/service-kit/dist/run-together.js') : scriptOf(name)],
      {
        cwd: base,
        env: group.length > 1 ? { ...env, LABMCP_RUN_TOGETHER: group.map(scriptOf).join(path.delimiter) } : env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.set(name, child);
    // A process that exits (invalid settings, a port taken) is reported at once, not after the health wait runs out.
    const exited = exitOf(child);
    for (const member of group) {
      const trusting = member === 'router' && routerCert ? pinnedFetch({ ca: readFileSync(routerCert) }) : undefined;
      const url = member === 'router' ? routerUrl : `http://127.0.0.1:${ports[member]}`;
      await waitForHealth(url, { timeoutMs: 20_000, exited, expect: member, ...(trusting && { fetcher: trusting.fetch }) })
        .catch((err: Error) => {
          // The same error (a PortTakenError stays one, for withFreshPorts), with what the process said.
          err.message = `${member} did not come up: ${err.message}\n${safeRead(path.join(logDir, `${name}.log`))}`;
          throw err;
        })
        .finally(() => trusting?.close());
    }
  }

  async function kill(name: ProcessName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    children.delete(name);
  }

  const stop = async () => {
    await Promise.all([...children.keys()].map((n) => kill(n, 'SIGTERM')));
    rmSync(base, { recursive: true, force: true });
  };

  try {
    for (const name of names) await start(name);
  } catch (err) {
    // Nobody will get a handle to stop what did start: do it here, or those processes outlive the test run.
    await Promise.all([...children.keys()].map((n) => kill(n, 'SIGKILL')));
    rmSync(base, { recursive: true, force: true });
    throw err;
  }

  return {
    routerUrl,
    ports,
    dataDir,
    logDir,
    env,
    start,
    kill,
    logs: () => readLogs(logDir),
    stop,
  };
}

/** A JSON log line of one of the bundle's processes. */
export interface LogLine {
  service: string;
  msg?: string;
  traceId?: string;
  [key: string]: unknown;
}

/** The JSON lines of log text (one log file, or `readLogs`'s concatenation of all); PM2's own lines are skipped. */
export function jsonLogLines(text: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {}
  }
  return lines;
}

/** Every log file in a folder, concatenated (each process's lines carry its `service`). */
export function readLogs(logDir: string): string {
  return readdirSync(logDir)
    .map((f) => safeRead(path.join(logDir, f)))
    .join('\n');
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
