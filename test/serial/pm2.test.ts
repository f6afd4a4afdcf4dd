import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { repoRoot, waitForHealth } from '../helpers/bundle.js';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
const base = mkdtempSync(path.join(tmpdir(), 'labmcp-pm2-'));
const routerPort = await freePort();
const env = {
  PATH: process.env.PATH ?? '',
  HOME: base,
  PM2_HOME: path.join(base, 'pm2'),
  LABMCP_ENV_FILE: path.join(base, 'no.env'),
  LABMCP_DATA_DIR: path.join(base, 'data'),
  LABMCP_LOG_DIR: path.join(base, 'logs'),
  ROUTER_HOST: '127.0.0.1',
  ROUTER_PORT: String(routerPort),
  QUILT_MCP_PORT: String(await freePort()),
  BENCHLING_MCP_PORT: String(await freePort()),
  BENCHLING_SANDBOX_PORT: String(await freePort()),
};
const pm2 = (...args: string[]) => run(path.join(repoRoot, 'node_modules/.bin/pm2'), args, { env, cwd: repoRoot, timeout: 60_000 });
const routerUrl = `http://127.0.0.1:${routerPort}`;

t.teardown(async () => {
  await pm2('kill').catch(() => {});
  rmSync(base, { recursive: true, force: true });
});

await pm2('start', 'ecosystem.config.js');
await waitForHealth(routerUrl, 30_000);

async function routerHealth(): Promise<{ status: number; body: { checks: Record<string, { status: string }> } }> {
  const res = await fetch(`${routerUrl}/health`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { status: string }> } };
}

t.test('PM2 runs all four processes and they report healthy', async (t) => {
  const { stdout } = await pm2('jlist');
  const list = JSON.parse(stdout) as { name: string; pm2_env: { status: string } }[];
  t.same(list.map((p) => p.name).sort(), ['benchling-mcp', 'benchling-sandbox', 'quilt-mcp', 'router']);
  for (const p of list) t.equal(p.pm2_env.status, 'online', p.name);
  const health = await routerHealth();
  t.equal(health.status, 200);
});

t.test('a killed process shows as 503 naming it, and PM2 brings it back by itself', async (t) => {
  const { stdout } = await pm2('jlist');
  const quilt = (JSON.parse(stdout) as { name: string; pid: number }[]).find((p) => p.name === 'quilt-mcp');
  t.ok(quilt?.pid);
  const killedAt = Date.now();
  process.kill(quilt!.pid, 'SIGKILL');
  let sawDown = false;
  let recoveredAt = 0;
  while (Date.now() - killedAt < 30_000) {
    const h = await routerHealth().catch(() => undefined);
    if (h?.status === 503 && h.body.checks['quilt-mcp']?.status === 'down') sawDown = true;
    if (sawDown && h?.status === 200) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(sawDown, 'router reported quilt-mcp down');
  t.ok(recoveredAt > 0, 'PM2 restarted quilt-mcp without help');
  t.comment(`recovery after kill -9: ${recoveredAt - killedAt} ms`);
  const { stdout: after } = await pm2('jlist');
  const restarted = (JSON.parse(after) as { name: string; pid: number; pm2_env: { restart_time: number } }[]).find((p) => p.name === 'quilt-mcp');
  t.not(restarted?.pid, quilt?.pid);
  t.ok((restarted?.pm2_env.restart_time ?? 0) >= 1);
});

t.test('each process writes its own log files under the configured folder', async (t) => {
  for (const name of ['router', 'quilt-mcp', 'benchling-mcp', 'benchling-sandbox']) {
    const out = path.join(env.LABMCP_LOG_DIR, `${name}.out.log`);
    t.ok(existsSync(out), `${name}.out.log`);
    t.ok(existsSync(path.join(env.LABMCP_LOG_DIR, `${name}.err.log`)), `${name}.err.log`);
    const first = readFileSync(out, 'utf8').split('\n').find(Boolean) ?? '{}';
    t.equal((JSON.parse(first) as { service?: string }).service, name, `${name} logs pino JSON with its service`);
  }
});

t.test('pm2 stop lets a process shut down gracefully', async (t) => {
  await pm2('stop', 'benchling-mcp');
  const log = readFileSync(path.join(env.LABMCP_LOG_DIR, 'benchling-mcp.out.log'), 'utf8');
  t.match(log, /"msg":"stopped"/, 'the process finished its drain and said so');
  const h = await routerHealth();
  t.equal(h.status, 503);
  t.equal(h.body.checks['benchling-mcp']?.status, 'down');
  await pm2('start', 'benchling-mcp');
  await waitForHealth(`http://127.0.0.1:${env.BENCHLING_MCP_PORT}`);
});
