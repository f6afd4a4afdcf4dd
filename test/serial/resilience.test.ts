import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { jsonLogLines } from '../helpers/bundle.js';
import { steadyLoad, toolCall, toolsList } from '../helpers/load.js';
import { startPm2Bundle } from '../helpers/pm2-bundle.js';

// High limits: these tests are about faults and restarts, not about the rate limiter (tested on its own).
const bundle = await startPm2Bundle({
  ROUTER_RATE_LIMIT_PER_MINUTE: '1000000',
  ROUTER_RATE_LIMIT_BURST: '100000',
  ROUTER_MAX_CONCURRENT_PER_SERVICE: '256',
  BENCHLING_SANDBOX_RATE_LIMIT: '1000000',
});
t.teardown(() => bundle.stop());
const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'load-tester', scopes: ['read:packages'] });
const quilt = { url: `${bundle.routerUrl}/quilt/mcp`, headers: { authorization: `Bearer ${token}` }, body: toolCall('registries_list') };
const benchling = { url: `${bundle.routerUrl}/benchling/mcp`, headers: { 'x-benchling-api-key': 'sandbox-key-alice' }, body: toolsList };
// Generous for a loaded 2-core machine (a 503 normally takes a few ms), and far from what a request held for a
// server that is gone would take: the router's upstream timeout (120 s by default), or the load's own 10 s.
const FAST_FAILURE_MS = 2000;

/** The bundle's log lines stamped within [from, to] (epoch ms), to explain a failure. */
function logLinesBetween(from: number, to: number): string[] {
  return bundle
    .logs()
    .split('\n')
    .filter((line) => {
      const time = Number(/"time":(\d+)/.exec(line)?.[1]);
      return time >= from && time <= to;
    });
}

t.test('kill -9 of one server under load: the other loses nothing, the killed one fails fast, PM2 recovers it', async (t) => {
  const [victim] = (await bundle.processes()).filter((p) => p.name === 'quilt-mcp');
  let killedAt = 0;
  let recoveredAt = 0;
  const recovered = (async () => {
    await new Promise((r) => setTimeout(r, 1000));
    killedAt = Date.now();
    process.kill(victim!.pid, 'SIGKILL');
    while (Date.now() - killedAt < 30_000) {
      const res = await fetch(`${bundle.routerUrl}/quilt/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (res?.status === 200) {
        recoveredAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 1000));
  })();
  const [other, killed] = await Promise.all([
    steadyLoad({ ...benchling, concurrency: 4, durationMs: 35_000, until: recovered }),
    steadyLoad({ ...quilt, concurrency: 4, durationMs: 35_000, until: recovered, okStatuses: [200] }),
  ]);
  t.ok(recoveredAt > 0, 'PM2 brought quilt-mcp back without manual action');
  t.comment(`quilt-mcp recovery after kill -9: ${recoveredAt - killedAt} ms`);
  t.equal(other.failed, 0, `benchling-mcp lost no request (${other.ok} ok)`);
  t.ok(other.ok > 50, 'benchling-mcp kept serving');
  t.ok(killed.ok > 0, 'quilt-mcp served before the kill');
  const after = await fetch(quilt.url, { method: 'POST', headers: { 'content-type': 'application/json', ...quilt.headers }, body: quilt.body });
  t.equal(after.status, 200, 'and serves again after the restart');
  // Every request to the killed service either succeeded or got a clear, fast 502/503, whether it was in flight at
  // the kill, waiting for the restart, or sent meanwhile; none hung, and none had its connection cut.
  t.comment(`quilt-mcp failures: ${JSON.stringify(killed.failures)}; slowest ${Math.round(killed.slowestFailureMs)} ms`);
  const unexpected = killed.failureLog.filter((f) => f.kind !== '503' && f.kind !== '502');
  for (const f of unexpected) {
    t.comment(`unexpected: ${f.kind}, begun ${f.startedAt - killedAt} ms after the kill and ended ${f.endedAt - killedAt} ms after: ${f.detail}`);
    for (const line of logLinesBetween(f.startedAt - 50, f.endedAt + 50)) t.comment(`  ${line.slice(0, 700)}`);
  }
  t.same(
    Object.keys(killed.failures).filter((k) => k !== '503' && k !== '502'),
    [],
    'the killed service failed only with 502/503 answers',
  );
  t.ok(
    killed.failureLog.every((f) => /^\{"jsonrpc":"2.0","error":/.test(f.detail)),
    'as JSON-RPC errors (the first few of each kind read)',
  );
  t.ok(killed.slowestFailureMs < FAST_FAILURE_MS, `and each came fast (slowest ${Math.round(killed.slowestFailureMs)} ms)`);
});

for (const name of ['router', 'quilt-mcp', 'benchling-mcp']) {
  t.test(`pm2 reload ${name} under steady load loses no request`, async (t) => {
    const reloaded = (async () => {
      await new Promise((r) => setTimeout(r, 500));
      await bundle.pm2('reload', name);
      await new Promise((r) => setTimeout(r, 1000));
    })();
    const [q, b] = await Promise.all([
      steadyLoad({ ...quilt, concurrency: 4, durationMs: 30_000, until: reloaded }),
      steadyLoad({ ...benchling, concurrency: 4, durationMs: 30_000, until: reloaded }),
    ]);
    await reloaded;
    t.equal(q.failed, 0, `quilt: ${q.ok} ok, failures ${JSON.stringify(q.failures)}`);
    t.equal(b.failed, 0, `benchling: ${b.ok} ok, failures ${JSON.stringify(b.failures)}`);
    t.ok(q.ok > 20 && b.ok > 20, 'traffic flowed during the reload');
  });
}

t.test('pm2 reload benchling-mcp: the demo tenant in its process hands over with no call and no write lost', async (t) => {
  const before = (await bundle.processes()).find((p) => p.name === 'benchling-mcp')!.pid;
  const reloaded = (async () => {
    await new Promise((r) => setTimeout(r, 500));
    await bundle.pm2('reload', 'benchling-mcp');
    // Until the new process's sandbox serves: the old one has let go of the tenant file only once its calls ended.
    await new Promise((r) => setTimeout(r, 3000));
  })();
  const toolError = (body: string) => (body.includes('"isError":true') ? 'tool error' : undefined);
  // Writes, one at a time, each remembered once Benchling (the sandbox) acknowledged it.
  const created: { id: string; name: string }[] = [];
  const writes = (async () => {
    let failed = 0;
    let done = false;
    void reloaded.then(() => (done = true));
    for (let i = 0; !done; i++) {
      const name = `reload-handover-${i}`;
      const res = await fetch(`${bundle.routerUrl}/benchling/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-benchling-api-key': 'sandbox-key-alice' },
        body: toolCall('dna_sequence_create', { name, bases: 'ACGTACGT', is_circular: false, folder_id: 'lib_CrLib002' }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      const id = /"id\\?":\\?"(seq_[A-Za-z0-9]+)/.exec(text)?.[1];
      if (res.status === 200 && !toolError(text) && id) created.push({ id, name });
      else {
        failed++;
        t.comment(`write ${name}: ${res.status} ${text.slice(0, 300)}`);
      }
    }
    return failed;
  })();
  const [reads, failedWrites] = await Promise.all([
    steadyLoad({ ...benchling, body: toolCall('projects_list'), concurrency: 2, durationMs: 60_000, until: reloaded, bodyFailure: toolError }),
    writes,
  ]);
  const after = (await bundle.processes()).find((p) => p.name === 'benchling-mcp')!.pid;
  t.not(after, before, 'a new process');
  t.equal(
    reads.failed,
    0,
    `reads through the tenant: ${reads.ok} ok, failures ${JSON.stringify(reads.failures)} ${JSON.stringify(reads.failureLog.slice(0, 2))}`,
  );
  t.equal(failedWrites, 0, `writes: ${created.length} acknowledged`);
  t.ok(reads.ok > 20 && created.length > 5, 'calls reached the tenant throughout');
  const lines = jsonLogLines(bundle.logs());
  t.ok(
    lines.some((l) => l.service === 'benchling-sandbox' && l.pid === after && /held by another process/.test(l.msg ?? '')),
    "the new process waited for the old one's tenant file",
  );
  t.ok(
    lines.some((l) => l.service === 'benchling-sandbox' && l.pid === after && l.msg === 'benchling-sandbox listening'),
    'then served the tenant',
  );
  // Every acknowledged write is in the tenant the new process serves.
  const auth = `Basic ${Buffer.from('sandbox-key-alice:').toString('base64')}`;
  const missing: string[] = [];
  for (const { id, name } of created) {
    const res = await fetch(`http://127.0.0.1:${bundle.env.BENCHLING_SANDBOX_PORT}/api/v2/dna-sequences/${id}`, { headers: { authorization: auth } });
    const body = res.status === 200 ? ((await res.json()) as { name?: string }) : undefined;
    if (body?.name !== name) missing.push(`${name} (${id}): ${res.status}`);
  }
  t.same(missing, [], `all ${created.length} acknowledged writes are in the tenant after the handover`);
});
