/**
 * Several quilt-mcp processes on one data folder (and one S3 endpoint), as PM2 runs them with
 * LABMCP_INSTANCES=2 or more: each its own port, all the same settings. Unlike startBundle (one process per
 * name), any one instance can be killed with SIGKILL and started again on the same port and data folder, and
 * every process gets a private TMPDIR, so temporary files a killed write leaves behind can be looked for.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleLayout, exitOf, freePort, scriptOf, waitForHealth, withFreshPorts } from '../../scripts/lib/launcher.js';
import { readLogs } from './bundle.js';

export interface QuiltInstances {
  /** `http://127.0.0.1:<port>/mcp` of each instance. */
  urls: string[];
  dataDir: string;
  /** The local registry root (`<dataDir>/quilt-registry`). */
  registryRoot: string;
  /** The processes' TMPDIR (shared by all instances, private to this set). */
  tmpDir: string;
  logs: () => string;
  /** Kills instance `i` (default SIGKILL) and waits for it to exit. */
  kill: (i: number, signal?: NodeJS.Signals) => Promise<void>;
  /** Starts instance `i` again (same port, data folder and settings) and waits until /health answers. */
  start: (i: number) => Promise<void>;
  stop: () => Promise<void>;
}

export interface QuiltInstancesOptions {
  count: number;
  env?: Record<string, string>;
}

/** Starts the instances; on ports found taken by another process, again on fresh ones (`withFreshPorts`). */
export function startQuiltInstances(options: QuiltInstancesOptions): Promise<QuiltInstances> {
  return withFreshPorts(() => startQuiltInstancesOnce(options));
}

async function startQuiltInstancesOnce(options: QuiltInstancesOptions): Promise<QuiltInstances> {
  const base = mkdtempSync(path.join(tmpdir(), 'labmcp-instances-'));
  const tmpDir = path.join(base, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const { dataDir, logDir, env } = await bundleLayout(base, { TMPDIR: tmpDir, LOG_LEVEL: 'info', ...options.env });
  const ports: number[] = [];
  for (let i = 0; i < options.count; i++) ports.push(await freePort());
  const children = new Map<number, ChildProcess>();
  // A test file that dies (an uncaught error, tap's timeout) runs no teardown: its servers must not outlive it.
  const orphans = () => {
    for (const c of children.values()) c.kill('SIGKILL');
  };
  process.once('exit', orphans);

  async function start(i: number): Promise<void> {
    const port = ports[i] as number;
    const out = createWriteStream(path.join(logDir, `quilt-mcp-${i}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['--openssl-legacy-provider', scriptOf('quilt-mcp')], {
      cwd: base,
      env: { ...env, QUILT_MCP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.set(i, child);
    const exited = exitOf(child);
    await waitForHealth(`http://127.0.0.1:${port}`, { timeoutMs: 20_000, exited, expect: 'quilt-mcp' }).catch((err: Error) => {
      // The same error (a PortTakenError stays one, for withFreshPorts), with what the processes said.
      err.message = `quilt-mcp instance ${i} did not come up: ${err.message}\n${readLogs(logDir)}`;
      throw err;
    });
  }

  async function kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = children.get(i);
    children.delete(i);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  const stop = async () => {
    process.off('exit', orphans);
    await Promise.all([...children.keys()].map((i) => kill(i, 'SIGTERM')));
    rmSync(base, { recursive: true, force: true });
  };

  try {
    // One after the other: the first creates the demo signing key and seeds the registry; the others find them.
    for (let i = 0; i < options.count; i++) await start(i);
  } catch (err) {
    process.off('exit', orphans);
    await Promise.all([...children.keys()].map((i) => kill(i)));
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  return {
    urls: ports.map((p) => `http://127.0.0.1:${p}/mcp`),
    dataDir,
    registryRoot: path.join(dataDir, 'quilt-registry'),
    tmpDir,
    logs: () => readLogs(logDir),
    kill,
    start,
    stop,
  };
}
