/**
 * run-together (src/run-together.ts) and the process lifecycle (src/process-lifecycle.ts), as the bundle runs the
 * demo tenant in benchling-mcp's process: a real process running two services (fixtures/run-together/), PM2's
 * `ready` over IPC only once both listen, and a signal that stops the front before its backend, so calls in flight
 * still reach the backend.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const here = path.dirname(fileURLToPath(import.meta.url));
const runTogether = path.join(here, '..', 'src', 'run-together.ts');
const fixture = (name: string) => path.join(here, 'fixtures', 'run-together', `${name}.ts`);

interface Started {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** When each IPC message came (epoch ms), as PM2 would hear it. */
  messages: { message: unknown; at: number }[];
  stderr: () => string;
}

function start(args: string[], env: Record<string, string> = {}): Started {
  const { LABMCP_RUN_TOGETHER: _, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', runTogether, ...args], {
    env: { ...inherited, LABMCP_LOG_BATCH_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const started: Started = { child, lines: [], messages: [], stderr: () => err };
  let out = '';
  let err = '';
  child.on('message', (message) => started.messages.push({ message, at: Date.now() }));
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (let i = out.indexOf('\n'); i !== -1; i = out.indexOf('\n')) {
      started.lines.push(JSON.parse(out.slice(0, i)) as Record<string, unknown>);
      out = out.slice(i + 1);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return started;
}

async function until<T>(started: Started, find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (started.child.exitCode !== null) throw new Error(`the process exited (${started.child.exitCode}) before ${what}: ${started.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} in 30 s: ${started.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const line = (started: Started, service: string, msg: string) => started.lines.find((l) => l.service === service && l.msg === msg);

t.test('two services in one process: ready once both listen, and a signal stops the front before its backend', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-together-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The backend comes first; the front, after it, is slow to start: a process that said ready when the backend
  // listened would say it 300 ms early.
  // As ecosystem.config.js lists them, with a command line such as a PM2 cluster worker gets under `pm2-runtime
  // start` (the supervisor's own arguments), which must not be taken for mains.
  const started = start(['start', 'ecosystem.config.js'], {
    LABMCP_RUN_TOGETHER: [fixture('backend'), fixture('front')].join(path.delimiter),
    FIXTURE_BACKEND_URL_FILE: path.join(dir, 'backend-url'),
    FIXTURE_FRONT_START_DELAY_MS: '300',
  });
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  const front = await until(started, () => line(started, 'fixture-front', 'fixture-front listening'), 'the front listening');
  const backend = line(started, 'fixture-backend', 'fixture-backend listening')!;
  const ready = await until(started, () => started.messages.find((m) => m.message === 'ready'), 'ready');
  const listened = Math.max(Date.parse(front.time as string), Date.parse(backend.time as string));
  t.ok(ready.at >= listened, `ready came after both services listened (${ready.at - listened} ms after)`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(started.messages.filter((m) => m.message === 'ready').length, 1, 'and once');
  t.equal(await (await fetch(`${backend.url as string}/hello`)).text(), 'hello from backend');

  // A call in flight when the signal comes needs the backend half a second later.
  const slow = fetch(`${front.url as string}/slow`).then((r) => r.text());
  await new Promise((resolve) => setTimeout(resolve, 100));
  started.child.kill('SIGTERM');
  t.equal(await slow, 'backend said: 200 hello from backend', 'the backend still answered the call in flight');
  const [code] = await once(started.child, 'exit');
  t.equal(code, 0, 'a graceful stop');
  const messages = started.lines.map((l) => `${l.service as string}: ${l.msg as string}`);
  for (const service of ['fixture-front', 'fixture-backend']) t.ok(messages.includes(`${service}: shutdown requested`), `${service} was told`);
  const frontStopped = messages.indexOf('fixture-front: stopped');
  const backendStopped = messages.indexOf('fixture-backend: stopped');
  t.ok(frontStopped >= 0 && backendStopped > frontStopped, 'the front stopped first, then its backend, though the backend started first');
  t.ok(messages.indexOf('fixture-backend: backend onShutdown') > frontStopped, "the backend's own shutdown ran after the front had stopped");
});

t.test('on the command line, without LABMCP_RUN_TOGETHER', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-together-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const started = start([fixture('backend'), fixture('front')], { FIXTURE_BACKEND_URL_FILE: path.join(dir, 'backend-url') });
  t.teardown(() => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  await until(started, () => started.messages.find((m) => m.message === 'ready'), 'ready');
  await until(started, () => line(started, 'fixture-front', 'fixture-front listening'), 'the front listening');
  t.ok(line(started, 'fixture-backend', 'fixture-backend listening'), 'both started');
  started.child.kill('SIGTERM');
  t.equal((await once(started.child, 'exit'))[0], 0);
});

t.test('without a main to run: usage, EX_USAGE', async (t) => {
  const started = start([], { LABMCP_RUN_TOGETHER: '' });
  const [code] = await once(started.child, 'exit');
  t.equal(code, 64);
  t.match(started.stderr(), /usage: run-together <service main\.js>/);
});
