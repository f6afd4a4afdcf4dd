/**
 * The bundle with LABMCP_INSTANCES=2, as ecosystem.config.js lays it out then: each server and the router in PM2's
 * cluster mode with two instances, and the demo tenant as an app of its own (LABMCP_SANDBOX_PROCESS=own, forced
 * there: it holds its tenant file, so it runs as one process). pm2.test.ts covers the default layout, the tenant in
 * benchling-mcp's process.
 */
import { request } from 'node:http';
import t from 'tap';
import { startPm2Bundle } from '../helpers/pm2-bundle.js';

const bundle = await startPm2Bundle({ LABMCP_INSTANCES: '2' });
t.teardown(() => bundle.stop());

const logLines = bundle.appLogLines;

t.test('two instances of each server and of the router, and one tenant process of its own', async (t) => {
  const list = await bundle.processes();
  const count = (name: string) => list.filter((p) => p.name === name).length;
  t.same(
    { router: count('router'), 'quilt-mcp': count('quilt-mcp'), 'benchling-mcp': count('benchling-mcp'), 'benchling-sandbox': count('benchling-sandbox') },
    { router: 2, 'quilt-mcp': 2, 'benchling-mcp': 2, 'benchling-sandbox': 1 },
  );
  for (const p of list) t.equal(p.pm2_env.status, 'online', `${p.name} ${p.pm_id}`);
  const sandbox = list.find((p) => p.name === 'benchling-sandbox')!;
  const env = sandbox.pm2_env as { exec_mode?: string; node_args?: string[]; env?: Record<string, string> };
  t.equal(env.exec_mode, 'fork_mode', 'the tenant is one forked process');
  const node26 = Number(process.versions.node.split('.')[0]) >= 26;
  t.same(env.node_args, node26 ? ['--optimize-for-size', '--expose-gc'] : ['--optimize-for-size'], "with the sandbox's own Node flags");
  const benchlingPids = list.filter((p) => p.name === 'benchling-mcp').map((p) => p.pid);
  t.notOk(benchlingPids.includes(sandbox.pid), 'not inside a benchling-mcp process');
  t.ok(
    logLines('benchling-sandbox').some((l) => l.service === 'benchling-sandbox' && l.msg === 'benchling-sandbox listening' && l.pid === sandbox.pid),
    'the tenant listens in its own process, and logs to its own files',
  );
  const listening = logLines('benchling-mcp').filter((l) => l.msg === 'benchling-mcp listening');
  t.same([...new Set(listening.map((l) => l.pid))].sort(), [...benchlingPids].sort(), 'both benchling-mcp instances listen');
  t.notOk(
    logLines('benchling-mcp').some((l) => l.service === 'benchling-sandbox'),
    'no tenant runs inside benchling-mcp',
  );
  t.equal((await bundle.health()).status, 200);
});

t.test('calls through the router reach the one tenant, and what one instance writes the other reads', async (t) => {
  const call = async (url: string, name: string, args: Record<string, unknown>) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
    // A connection per call (agent: false): PM2's cluster master hands new connections to its workers in turn.
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-benchling-api-key': 'sandbox-key-alice' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    t.equal(status, 200, name);
    return JSON.parse(text) as { result?: { isError?: boolean; structuredContent?: Record<string, unknown> } };
  };
  const created = await call(`${bundle.routerUrl}/benchling/mcp`, 'dna_sequence_create', {
    name: 'written with two instances',
    bases: 'ACGTACGT',
    is_circular: false,
    folder_id: 'lib_CrLib002',
  });
  t.notOk(created.result?.isError, 'a write through the router is acknowledged');
  const id = (created.result?.structuredContent?.dna_sequence as { id?: string } | undefined)?.id;
  t.match(id, /^seq_/);
  const direct = `http://127.0.0.1:${bundle.env.BENCHLING_MCP_PORT}/mcp`;
  for (let i = 0; i < 6; i++) {
    const read = await call(direct, 'dna_sequence_get', { dna_sequence_id: id });
    t.notOk(read.result?.isError, `read ${i + 1} finds it`);
  }
  // The audit lines reach the log file in batches (LABMCP_LOG_BATCH_MS) through PM2: allow them a moment.
  const readers = () =>
    new Set(
      logLines('benchling-mcp')
        .filter((l) => l.msg === 'tool call' && l.tool === 'dna_sequence_get')
        .map((l) => l.pid),
    );
  for (const deadline = Date.now() + 3000; readers().size < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  t.equal(readers().size, 2, 'both benchling-mcp instances answered reads, from the one tenant');
});
