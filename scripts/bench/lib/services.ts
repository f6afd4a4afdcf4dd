// The bundle's processes started directly (no PM2), one each, on free loopback ports, with a temp data/log dir.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleLayout, type ProcessName, scriptOf, waitForHealth } from '../../lib/launcher.js';
import { type Child, spawnChild, tempDir } from './processes.js';
import { repoRoot } from './util.js';

export type ServiceName = ProcessName;
export { scriptOf };

/** Router limits raised so that a benchmark measures forwarding, not the rate limiter saying no. */
export const UNLIMITED_ROUTER = {
  ROUTER_RATE_LIMIT_PER_MINUTE: '1000000',
  ROUTER_RATE_LIMIT_BURST: '100000',
  ROUTER_MAX_CONCURRENT_PER_SERVICE: '100000',
};

export interface DirectBundle {
  base: string;
  dataDir: string;
  logDir: string;
  ports: Record<ServiceName, number>;
  env: Record<string, string>;
  children: Partial<Record<ServiceName, Child>>;
  start: (name: ServiceName, options?: { nodeArgs?: string[]; env?: Record<string, string>; port?: number; label?: string }) => Promise<Child>;
}

export async function directBundle(extraEnv: Record<string, string> = {}): Promise<DirectBundle> {
  const base = tempDir('labmcp-bench-');
  const { dataDir, logDir, ports, env } = await bundleLayout(base, extraEnv);
  const children: DirectBundle['children'] = {};

  async function start(name: ServiceName, options: { nodeArgs?: string[]; env?: Record<string, string>; port?: number; label?: string } = {}): Promise<Child> {
    const label = options.label ?? name;
    const port = options.port ?? ports[name];
    const childEnv = { ...env, ...options.env };
    if (name === 'router') childEnv.ROUTER_PORT = String(port);
    const child = spawnChild(label, process.execPath, [...(options.nodeArgs ?? []), scriptOf(name)], {
      env: childEnv,
      cwd: base,
      logFile: path.join(logDir, `${label}.log`),
    });
    const exited = child.exited.then((): never => {
      throw new Error(`${label} exited; see ${child.logFile}`);
    });
    // The router's own /health also probes every server; a routed server's health says the router is forwarding.
    // Each answer must name the service it is for: another process on the port would be measured in its place.
    const [url, expect] = name === 'router' ? [`http://127.0.0.1:${port}/quilt`, 'quilt-mcp'] : [`http://127.0.0.1:${port}`, name];
    await waitForHealth(url, { timeoutMs: 30_000, exited, expect });
    if (!options.label) children[name] = child;
    return child;
  }

  return { base, dataDir, logDir, ports, env, children, start };
}

/** A demo-auth JWT for quilt-mcp, signed with the key in the data dir (created on first use); read scope unless told. */
export async function demoToken(
  dataDir: string,
  extra: { scopes?: string[]; awsCredentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): Promise<string> {
  const auth = (await import(pathToFileURL(path.join(repoRoot, 'packages/service-kit/dist/auth/index.js')).href)) as {
    mintDemoToken: (o: {
      dataDir: string;
      subject: string;
      scopes?: string[];
      expiresIn?: string;
      awsCredentials?: { accessKeyId: string; secretAccessKey: string };
    }) => Promise<string>;
  };
  return auth.mintDemoToken({ dataDir, subject: 'bench', scopes: ['read:packages'], expiresIn: '2h', ...extra });
}
