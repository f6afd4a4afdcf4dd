// The bundle's ports are chosen free, released, and bound a moment later by the process they are for: meanwhile
// another test's process may take one. These tests take ports on purpose and check that the launcher notices
// (`PortTakenError`, not a wait until the time runs out, nor another service taken for ours) and starts over.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import t, { type Test } from 'tap';
import { freePort, PortTakenError, waitForHealth } from '../../scripts/lib/launcher.js';
import { startBundle } from '../helpers/bundle.js';

/** Listens on a fresh loopback port until the test ends. */
async function hold(server: Server, t: Test): Promise<number> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return port;
}

// A real benchling-sandbox, as another test's bundle would have on a port this one was laid out with.
const other = await startBundle({ only: ['benchling-sandbox'] });
t.teardown(() => other.stop());
const otherPort = other.ports['benchling-sandbox'];
const otherUrl = `http://127.0.0.1:${otherPort}`;

t.test('waitForHealth refuses another service answering on the port, at once', async (t) => {
  const began = Date.now();
  const err = await waitForHealth(otherUrl, { timeoutMs: 15_000, expect: 'router' }).catch((e: unknown) => e);
  t.type(err, PortTakenError);
  t.match((err as Error).message, `${otherUrl} is taken by another process: its /health answers 200 from benchling-sandbox, not router`);
  t.ok(Date.now() - began < 5000, 'not waited for as if it were starting');
  // The service it is, and a caller that cannot say which it waits for, take the answer as before.
  await waitForHealth(otherUrl, { expect: 'benchling-sandbox' });
  await waitForHealth(otherUrl);
});

t.test('a 200 that names no service is not the expected one', async (t) => {
  const port = await hold(
    createHttpServer((_req, res) => res.end('ok')),
    t,
  );
  const err = await waitForHealth(`http://127.0.0.1:${port}`, { timeoutMs: 15_000, expect: 'quilt-mcp' }).catch((e: unknown) => e);
  t.type(err, PortTakenError);
  t.match((err as Error).message, 'answers 200 from an unnamed service, not quilt-mcp');
});

t.test('startBundle lays the bundle out again when a port of its first layout is taken', async (t) => {
  // The first port handed out is the router's: the other bundle's sandbox has it (as in CI on 2026-12-01).
  const handedOut: number[] = [];
  const port = async () => {
    const p = handedOut.length === 0 ? otherPort : await freePort();
    handedOut.push(p);
    return p;
  };
  const bundle = await startBundle({ port });
  t.teardown(() => bundle.stop());
  t.equal(handedOut.length, 8, 'two layouts of four ports');
  t.equal(bundle.ports.router, handedOut[4], 'the router is on the second layout');
  const health = (await (await fetch(`${bundle.routerUrl}/health`)).json()) as { service: string; status: string };
  t.match(health, { service: 'router', status: 'ok' });
  // What the first layout had started is stopped, not left running beside the bundle.
  for (const p of handedOut.slice(1, 4)) {
    await t.rejects(fetch(`http://127.0.0.1:${p}/health`, { signal: AbortSignal.timeout(2000) }), `nothing on ${p} of the first layout`);
  }
});

t.test('a process that cannot listen ends the start at once; after three layouts the bundle gives up', async (t) => {
  // A listener that is not HTTP: the sandbox (started first) cannot listen and exits, Node printing EADDRINUSE.
  const taken = await hold(
    createServer((socket) => socket.destroy()),
    t,
  );
  let calls = 0;
  const began = Date.now();
  const err = await startBundle({
    port: async () => {
      calls++;
      return taken;
    },
  }).catch((e: unknown) => e);
  t.type(err, PortTakenError);
  t.match((err as Error).message, `benchling-sandbox did not come up: 127.0.0.1:${taken} is taken by another process (exited with 1)`);
  t.equal(calls, 12, 'three layouts');
  t.ok(Date.now() - began < 15_000, 'no health wait ran out');
});

t.test('freePort hands out each port once, outside the ephemeral range', async (t) => {
  const ports = [];
  for (let i = 0; i < 200; i++) ports.push(await freePort());
  t.equal(new Set(ports).size, ports.length, 'no port twice');
  let range: number[];
  try {
    range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    t.comment('no /proc/sys/net/ipv4/ip_local_port_range here: the kernel chooses');
    return;
  }
  const [low = 0, high = 0] = range;
  t.same(
    ports.filter((p) => p >= low && p <= high),
    [],
    `none in ${low}-${high}`,
  );
});
