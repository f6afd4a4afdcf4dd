import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A child process in its own process group, its stdout and stderr in one log file. */
export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  log: () => string;
  exited: () => boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop: (graceMs?: number) => Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  logDir: string;
}

/** Everything the deploy tests start goes through here, so teardown can always reach the whole process tree. */
export function startProc(name: string, command: string, args: string[], options: StartOptions): Proc {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('error', (err) => out.write(`\n[spawn error] ${err.message}\n`));
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    name,
    child,
    logFile,
    log: () => safeRead(logFile),
    exited,
    stop: async (graceMs = 10_000) => {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      if (!exited()) await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, graceMs + 5_000))]);
      clearTimeout(timer);
      // Workers that outlived their leader (PM2 cluster workers, nginx workers) go too.
      signalGroup('SIGKILL');
    },
  };
}

export function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion (in its own process group, killed whole on timeout). Never rejects. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number; input?: string },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A command that exits without reading its input (a failing probe, a missing binary) closes the pipe first;
    // that EPIPE is its business, not an uncaught exception in the test.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n[spawn error] ${err.message}`, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * The machine's network settings (proxies, extra CA certificates) that registry installs need, as `docker build`
 * passes the proxy variables into RUN steps by default.
 */
export function networkEnv(): Record<string, string> {
  const names = /^(https?_proxy|no_proxy|all_proxy|node_extra_ca_certs|ssl_cert_file|ssl_cert_dir|npm_config_(cafile|registry|proxy|https_proxy|noproxy))$/i;
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => names.test(e[0]) && e[1] !== undefined));
}

/** The environment a child gets: nothing of the test runner's own (NODE_OPTIONS, tap's variables), only this. */
export function cleanEnv(extra: Record<string, string>, base: { PATH?: string; HOME?: string } = {}): Record<string, string> {
  return {
    PATH: base.PATH ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: base.HOME ?? process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
}

/** GET url/health until it answers 200 (or the deadline passes); the last status or error is in the message. */
export async function waitForOk(url: string, timeoutMs: number, isDead?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (isDead?.()) throw new Error(`${url}: the process exited (${last || 'never answered'})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not OK within ${timeoutMs} ms (${last})`);
}
