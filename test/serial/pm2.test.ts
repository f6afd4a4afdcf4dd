import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { waitForHealth } from '../helpers/bundle.js';
import { startPm2Bundle } from '../helpers/pm2-bundle.js';

const bundle = await startPm2Bundle();
t.teardown(() => bundle.stop());

const logLines = bundle.appLogLines;

t.test('PM2 runs three processes, the demo tenant inside benchling-mcp, and they report healthy', async (t) => {
  const list = await bundle.processes();
  t.same(list.map((p) => p.name).sort(), ['benchling-mcp', 'quilt-mcp', 'router']);
  for (const p of list) t.equal(p.pm2_env.status, 'online', p.name);
  t.equal((await bundle.health()).status, 200);
  const sandbox = await fetch(`http://127.0.0.1:${bundle.env.BENCHLING_SANDBOX_PORT}/health`);
  t.equal(sandbox.status, 200, 'the sandbox answers on its own port');
  t.equal(((await sandbox.json()) as { service?: string }).service, 'benchling-sandbox');
  const benchling = list.find((p) => p.name === 'benchling-mcp')!;
  const lines = logLines('benchling-mcp');
  t.ok(
    lines.some((l) => l.service === 'benchling-sandbox' && l.msg === 'benchling-sandbox listening' && l.pid === benchling.pid),
    "the sandbox listens in benchling-mcp's process, and logs to its files",
  );
  t.ok(lines.some((l) => l.service === 'benchling-mcp' && l.msg === 'benchling-mcp listening' && l.pid === benchling.pid));
});

t.test("PM2 starts each process with its Node flags from ecosystem.config.js (issue 16's memory settings)", async (t) => {
  // PM2 overwrites its processes' titles (and with them /proc/<pid>/cmdline), so what PM2 passed is read from PM2:
  // node_args become the cluster workers' execArgv.
  const byName = Object.fromEntries((await bundle.processes()).map((p) => [p.name, (p.pm2_env as { node_args?: string[] }).node_args]));
  // Node 26 and later add a fixed heap growing factor (test/deploy/ecosystem.test.ts covers both cases).
  const node26 = Number(process.versions.node.split('.')[0]) >= 26;
  const servers = node26 ? ['--max-semi-space-size=8', '--heap-growing-percent=50', '--expose-gc'] : ['--max-semi-space-size=8'];
  t.same(byName, { router: servers, 'quilt-mcp': servers, 'benchling-mcp': servers });
});

t.test('a killed process shows as 503 naming it, and PM2 brings it back by itself', async (t) => {
  const quilt = (await bundle.processes()).find((p) => p.name === 'quilt-mcp');
  t.ok(quilt?.pid);
  const killedAt = Date.now();
  process.kill(quilt!.pid, 'SIGKILL');
  let sawDown = false;
  let recoveredAt = 0;
  while (Date.now() - killedAt < 30_000) {
    const h = await bundle.health().catch(() => undefined);
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
  const restarted = (await bundle.processes()).find((p) => p.name === 'quilt-mcp');
  t.not(restarted?.pid, quilt?.pid);
  t.ok((restarted?.pm2_env.restart_time ?? 0) >= 1);
});

t.test('benchling-mcp killed outright with the tenant in it: PM2 brings both back, and no acknowledged write is lost', async (t) => {
  const sandboxUrl = `http://127.0.0.1:${bundle.env.BENCHLING_SANDBOX_PORT}`;
  const auth = { authorization: `Basic ${Buffer.from('sandbox-key-alice:').toString('base64')}`, 'content-type': 'application/json' };
  const created = await fetch(`${sandboxUrl}/api/v2/dna-sequences`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'survives a kill -9', bases: 'ACGTACGT', isCircular: false, folderId: 'lib_CrLib002' }),
  });
  t.equal(created.status, 201);
  const { id } = (await created.json()) as { id: string };
  const before = (await bundle.processes()).find((p) => p.name === 'benchling-mcp')!;
  process.kill(before.pid, 'SIGKILL');
  // The dead process's lock on the tenant file is taken over by the new one.
  const deadline = Date.now() + 30_000;
  let after: { pid: number } | undefined;
  while (Date.now() < deadline) {
    after = (await bundle.processes()).find((p) => p.name === 'benchling-mcp' && p.pid !== before.pid && p.pm2_env.status === 'online');
    if (after && (await bundle.health().catch(() => undefined))?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(after, 'a new benchling-mcp process');
  await waitForHealth(sandboxUrl, { expect: 'benchling-sandbox' });
  const read = await fetch(`${sandboxUrl}/api/v2/dna-sequences/${id}`, { headers: auth });
  t.equal(read.status, 200, 'the tenant is served again');
  t.equal(((await read.json()) as { name?: string }).name, 'survives a kill -9', 'with the write acknowledged before the kill');
  const call = await fetch(`${bundle.routerUrl}/benchling/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-benchling-api-key': 'sandbox-key-alice' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'projects_list', arguments: {} } }),
  });
  const body = await call.text();
  t.equal(call.status, 200);
  t.notMatch(body, /"isError":true/, 'and a tool call through the router reaches it');
});

t.test('each process writes its own log files under the configured folder', async (t) => {
  for (const name of ['router', 'quilt-mcp', 'benchling-mcp']) {
    const out = path.join(bundle.logDir, `${name}.out.log`);
    t.ok(existsSync(out), `${name}.out.log`);
    t.ok(existsSync(path.join(bundle.logDir, `${name}.err.log`)), `${name}.err.log`);
    t.ok(
      logLines(name).some((l) => l.service === name),
      `${name} logs pino JSON with its service`,
    );
  }
  t.same(
    [...new Set(logLines('benchling-mcp').map((l) => l.service))].sort(),
    ['benchling-mcp', 'benchling-sandbox'],
    'the two services of one process, each named',
  );
  // Request lines too, not only start-up: under PM2 they must go through its stdout (a process writing to file
  // descriptor 1 itself bypasses PM2's log files in cluster mode).
  const id = `pm2-log-${Date.now()}`;
  const res = await fetch(`${bundle.routerUrl}/quilt/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  t.equal(res.status, 401);
  for (const name of ['router', 'quilt-mcp']) {
    const out = path.join(bundle.logDir, `${name}.out.log`);
    const deadline = Date.now() + 5000;
    while (!readFileSync(out, 'utf8').includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    t.ok(readFileSync(out, 'utf8').includes(id), `${name}'s access line for the request is in ${name}.out.log`);
  }
});

t.test('pm2 stop lets a process shut down gracefully', async (t) => {
  await bundle.pm2('stop', 'benchling-mcp');
  const log = readFileSync(path.join(bundle.logDir, 'benchling-mcp.out.log'), 'utf8');
  t.match(log, /"msg":"stopped"/, 'the process finished its drain and said so');
  const stopped = (service: string) => logLines('benchling-mcp').findLastIndex((l) => l.service === service && l.msg === 'stopped');
  t.ok(stopped('benchling-mcp') >= 0 && stopped('benchling-sandbox') > stopped('benchling-mcp'), 'benchling-mcp drained first, then its tenant');
  const h = await bundle.health();
  t.equal(h.status, 503);
  t.equal(h.body.checks['benchling-mcp']?.status, 'down');
  await bundle.pm2('start', 'benchling-mcp');
  await waitForHealth(`http://127.0.0.1:${bundle.env.BENCHLING_MCP_PORT}`, { expect: 'benchling-mcp' });
});
