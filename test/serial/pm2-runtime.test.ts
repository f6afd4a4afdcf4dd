/**
 * The bundle in the foreground, as `npm start` runs it (`pm2-runtime start ecosystem.config.js`, scripts/start.sh)
 * and as the image's CMD does (without `start`): pm2-runtime runs PM2's supervisor in its own process, so its
 * cluster workers' command lines begin with pm2-runtime's arguments. Every app comes up, the demo tenant inside
 * benchling-mcp's process answers through the router, and a SIGTERM to pm2-runtime stops everything gracefully.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { bundleLayout } from '../../scripts/lib/launcher.js';
import { jsonLogLines, repoRoot, waitForHealth } from '../helpers/bundle.js';

for (const args of [['start', 'ecosystem.config.js'], ['ecosystem.config.js']]) {
  t.test(`pm2-runtime ${args.join(' ')}`, async (t) => {
    const base = mkdtempSync(path.join(tmpdir(), 'labmcp-pm2-runtime-'));
    const { ports, env, logDir } = await bundleLayout(base, { PM2_HOME: path.join(base, 'pm2') });
    let output = '';
    const runtime: ChildProcess = spawn(path.join(repoRoot, 'node_modules/.bin/pm2-runtime'), args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    runtime.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    runtime.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    t.teardown(() => {
      if (runtime.exitCode === null) runtime.kill('SIGKILL');
      rmSync(base, { recursive: true, force: true });
    });
    const routerUrl = `http://127.0.0.1:${ports.router}`;
    try {
      await waitForHealth(routerUrl, { timeoutMs: 30_000, expect: 'router' });
      await waitForHealth(`http://127.0.0.1:${ports['benchling-sandbox']}`, { expect: 'benchling-sandbox' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output.slice(-3000)}\n${readFileSync(path.join(logDir, 'benchling-mcp.err.log'), 'utf8').slice(-2000)}`);
    }
    const call = await fetch(`${routerUrl}/benchling/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-benchling-api-key': 'sandbox-key-alice' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'projects_list', arguments: {} } }),
    });
    const body = await call.text();
    t.equal(call.status, 200);
    t.match(body, /"projects"/, 'a tool call through the router reaches the demo tenant');
    t.notMatch(body, /"isError":true/);

    runtime.kill('SIGTERM');
    const [code] = await once(runtime, 'exit');
    t.equal(code, 0, 'pm2-runtime stops on SIGTERM');
    const lines = jsonLogLines(readFileSync(path.join(logDir, 'benchling-mcp.out.log'), 'utf8'));
    const stopped = (service: string) => lines.findIndex((l) => l.service === service && l.msg === 'stopped');
    t.ok(stopped('benchling-mcp') >= 0 && stopped('benchling-sandbox') > stopped('benchling-mcp'), 'benchling-mcp drained, then its tenant');
    for (const name of ['router', 'quilt-mcp', 'benchling-mcp', 'benchling-sandbox'] as const)
      await t.rejects(fetch(`http://127.0.0.1:${ports[name]}/health`), `nothing listens on ${name}'s port any more`);
  });
}
