import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleLayout, PortTakenError, type ProcessName, withFreshPorts } from '../../scripts/lib/launcher.js';
import { jsonLogLines, type LogLine, readLogs, repoRoot, waitForHealth } from './bundle.js';

const run = promisify(execFile);

export interface Pm2Bundle {
  routerUrl: string;
  env: Record<string, string>;
  logDir: string;
  dataDir: string;
  /** Every process's log files, concatenated. */
  logs: () => string;
  /** The JSON lines of one app's out log (`<app>.out.log`). */
  appLogLines: (app: string) => LogLine[];
  pm2: (...args: string[]) => Promise<{ stdout: string; stderr: string }>;
  processes: () => Promise<{ name: string; pid: number; pm_id: number; pm2_env: { status: string; restart_time: number } }[]>;
  health: () => Promise<{ status: number; body: { checks: Record<string, { status: string }> } }>;
  stop: () => Promise<void>;
}

/**
 * The bundle as users run it: PM2 with the repo's ecosystem.config.js, in a private PM2_HOME and data folder; on
 * ports found taken by another process, again on fresh ones (`withFreshPorts`).
 */
export function startPm2Bundle(extraEnv: Record<string, string> = {}): Promise<Pm2Bundle> {
  return withFreshPorts(() => startPm2BundleOnce(extraEnv));
}

async function startPm2BundleOnce(extraEnv: Record<string, string>): Promise<Pm2Bundle> {
  const base = mkdtempSync(path.join(tmpdir(), 'labmcp-pm2-'));
  // A HOME and PM2_HOME of its own: this PM2 daemon is not the user's.
  const { ports, env } = await bundleLayout(base, { PM2_HOME: path.join(base, 'pm2'), ...extraEnv }, { home: base });
  const routerPort = ports.router;
  const pm2 = (...args: string[]) => run(path.join(repoRoot, 'node_modules/.bin/pm2'), args, { env, cwd: repoRoot, timeout: 60_000 });
  const routerUrl = `http://127.0.0.1:${routerPort}`;
  const stop = async () => {
    await pm2('kill').catch(() => {});
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await pm2('start', 'ecosystem.config.js');
    // The router is healthy only once every server is; each server is asked too, as the router's probes would take
    // another process's answer on a server's port for the server's.
    await waitForHealth(routerUrl, { timeoutMs: 30_000, expect: 'router' });
    const servers: ProcessName[] = ['quilt-mcp', 'benchling-mcp', ...(env.BENCHLING_URL ? [] : ['benchling-sandbox' as const])];
    for (const name of servers) await waitForHealth(`http://127.0.0.1:${ports[name]}`, { expect: name });
  } catch (err) {
    const logs = await pm2('logs', '--nostream', '--lines', '20').catch((e: Error) => ({ stdout: e.message }));
    // PM2 restarts a process that cannot listen, so that shows only in its log (Node's `listen EADDRINUSE`).
    const taken = err instanceof PortTakenError || /EADDRINUSE/.test(readLogs(env.LABMCP_LOG_DIR!));
    await stop();
    throw new (taken ? PortTakenError : Error)(`${(err as Error).message}\n${logs.stdout}`);
  }
  return {
    routerUrl,
    env,
    logDir: env.LABMCP_LOG_DIR!,
    dataDir: env.LABMCP_DATA_DIR!,
    logs: () => readLogs(env.LABMCP_LOG_DIR!),
    appLogLines: (app) => jsonLogLines(readFileSync(path.join(env.LABMCP_LOG_DIR!, `${app}.out.log`), 'utf8')),
    pm2,
    processes: async () => JSON.parse((await pm2('jlist')).stdout),
    health: async () => {
      const res = await fetch(`${routerUrl}/health`, { signal: AbortSignal.timeout(3000) });
      return { status: res.status, body: (await res.json()) as { checks: Record<string, { status: string }> } };
    },
    stop,
  };
}
