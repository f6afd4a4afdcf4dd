import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../helpers/bundle.js';
import { freePort } from '../../helpers/ports.js';
import { cleanEnv, type Proc, runCommand, startProc, waitForOk } from './procs.js';

export const composeFile = path.join(repoRoot, 'deploy', 'docker-compose.yml');
export const nginxConfFile = path.join(repoRoot, 'deploy', 'nginx', 'labmcp.conf');

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  expose?: (string | number)[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Compose's own interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, $$ for a literal $. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (all, name: string | undefined, op: string | undefined, def: string | undefined) => {
      if (all === '$$') return '$';
      const v = vars[name ?? ''];
      if (op === ':-') return v ? v : (def ?? '');
      if (op === '-') return v !== undefined ? v : (def ?? '');
      return v ?? '';
    },
  );
}

/** deploy/docker-compose.yml, interpolated with `vars` (none: every default), YAML merge keys resolved. */
export function loadCompose(vars: Record<string, string | undefined> = {}): ComposeFile {
  const raw = parseYaml(readFileSync(composeFile, 'utf8'), { merge: true }) as ComposeFile;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return interpolate(v, vars);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(raw) as ComposeFile;
}

/** The port a compose service listens on inside its container (its first `expose`). */
export function containerPort(service: ComposeService): number {
  const port = Number(String(service.expose?.[0] ?? '').split('/')[0]);
  if (!port) throw new Error('service exposes no port');
  return port;
}

export interface RunningService {
  name: string;
  port: number;
  url: string;
  dataDir: string;
  proc: Proc;
  env: Record<string, string>;
}

/**
 * Starts compose services the way their containers would run them, without containers: the service's own
 * `command` from the repo root (the image's WORKDIR holds the same tree), its `environment`, and only what a
 * container network changes rewritten: its port to a free loopback one, 0.0.0.0 to 127.0.0.1, another service's
 * `http://name:port` to that service's loopback address, and /app/data to a data folder of its own (its volume).
 */
export async function startComposeServices(compose: ComposeFile, names: string[], base: string): Promise<Map<string, RunningService>> {
  const ports = new Map<string, { inside: number; outside: number }>();
  for (const name of names) {
    const svc = compose.services[name];
    if (!svc) throw new Error(`deploy/docker-compose.yml has no service ${name}`);
    ports.set(name, { inside: containerPort(svc), outside: await freePort() });
  }
  const running = new Map<string, RunningService>();
  try {
    for (const name of names) {
      const svc = compose.services[name]!;
      const { inside, outside } = ports.get(name)!;
      const dataDir = path.join(base, name, 'data');
      mkdirSync(dataDir, { recursive: true });
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(svc.environment ?? {})) {
        let value = v === null || v === undefined ? '' : String(v);
        if (value === String(inside) && /_PORT$/.test(k)) value = String(outside);
        if (value === '0.0.0.0') value = '127.0.0.1';
        value = value.replace(/^\/app\/data$/, dataDir);
        value = value.replace(/^(https?):\/\/([a-z0-9-]+):(\d+)/, (all, scheme: string, host: string, port: string) => {
          const other = ports.get(host);
          if (!other || Number(port) !== other.inside) return all;
          return `${scheme}://127.0.0.1:${other.outside}`;
        });
        env[k] = value;
      }
      const command = svc.command ?? [];
      if (command[0] !== 'node') throw new Error(`${name}: expected a \`node ...\` command, got ${JSON.stringify(command)}`);
      const fullEnv = cleanEnv({ ...env, LABMCP_ENV_FILE: path.join(base, 'no.env') }, { HOME: path.join(base, name) });
      const proc = startProc(name, process.execPath, command.slice(1), { cwd: repoRoot, env: fullEnv, logDir: path.join(base, 'logs') });
      const url = `http://127.0.0.1:${outside}`;
      running.set(name, { name, port: outside, url, dataDir, proc, env: fullEnv });
      await waitForOk(`${url}/health`, 30_000, () => proc.exited()).catch((err: Error) => {
        throw new Error(`${name} did not come up: ${err.message}\n${proc.log().slice(-4000)}`);
      });
    }
  } catch (err) {
    await Promise.all([...running.values()].map((r) => r.proc.stop()));
    throw err;
  }
  return running;
}

export interface Nginx {
  url: string;
  port: number;
  proc: Proc;
  confFile: string;
  errorLog: () => string;
  stop: () => Promise<void>;
}

/**
 * deploy/nginx/labmcp.conf with only its `# labmcp-test:` lines rewritten (upstream addresses, listen port), inside
 * a main nginx.conf whose pid, logs and temp files are in `dir`. Every tag must be found exactly once.
 */
export function renderNginxConf(dir: string, upstreams: Record<string, number>, listenPort: number): string {
  const original = readFileSync(nginxConfFile, 'utf8');
  const seen = new Map<string, number>();
  const site = original.replace(
    /^([ \t]*)(server|listen)[ \t]+[^;\n]+;([ \t]*#[ \t]*labmcp-test:[ \t]*([\w-]+))[ \t]*$/gm,
    (_all, indent: string, directive: string, comment: string, tag: string) => {
      seen.set(tag, (seen.get(tag) ?? 0) + 1);
      if (directive === 'listen' && tag === 'listen') return `${indent}listen 127.0.0.1:${listenPort};${comment}`;
      const port = upstreams[tag];
      if (directive === 'server' && port !== undefined) return `${indent}server 127.0.0.1:${port};${comment}`;
      throw new Error(`labmcp.conf: no test value for the tagged line "${directive} ... # labmcp-test: ${tag}"`);
    },
  );
  for (const tag of ['listen', ...Object.keys(upstreams)]) {
    if (seen.get(tag) !== 1) throw new Error(`labmcp.conf: expected exactly one line tagged "# labmcp-test: ${tag}", found ${seen.get(tag) ?? 0}`);
  }
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, 'temp', sub), { recursive: true });
  writeFileSync(path.join(dir, 'labmcp.conf'), site);
  const user = process.getuid?.() === 0 ? 'user root root;\n' : '';
  const main = `# Generated by test/deploy/nginx-layout.test.ts around deploy/nginx/labmcp.conf
${user}daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 512; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/temp/client_body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;
    include ${dir}/labmcp.conf;
}
`;
  const confFile = path.join(dir, 'nginx.conf');
  writeFileSync(confFile, main);
  return confFile;
}

export async function startNginx(nginxBin: string, dir: string, upstreams: Record<string, number>): Promise<Nginx> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const confFile = renderNginxConf(dir, upstreams, port);
  const env = cleanEnv({});
  const check = await runCommand(nginxBin, ['-t', '-p', dir, '-c', confFile], { cwd: dir, env, timeoutMs: 30_000 });
  if (check.code !== 0) throw new Error(`nginx -t refuses the configuration:\n${check.stderr}`);
  const proc = startProc('nginx', nginxBin, ['-p', dir, '-c', confFile], { cwd: dir, env, logDir: dir });
  const url = `http://127.0.0.1:${port}`;
  const errorLog = () => readFileSync(path.join(dir, 'error.log'), 'utf8');
  await waitForOk(`${url}/health`, 15_000, () => proc.exited()).catch(async (err: Error) => {
    await proc.stop();
    throw new Error(`nginx did not come up: ${err.message}\n${proc.log()}\n${errorLog()}`);
  });
  return { url, port, proc, confFile, errorLog, stop: () => proc.stop(5_000) };
}
