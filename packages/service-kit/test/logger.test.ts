import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, fingerprint } from '../src/logger.js';
import { redactUrl } from '../src/redact-url.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

t.test('secrets in headers and known fields are redacted', async (t) => {
  const { lines, stream } = capture();
  const log = createLogger('test-svc', 'info', stream);
  log.info(
    { req: { headers: { authorization: 'Bearer eyJSECRET', 'x-benchling-api-key': 'sk_SECRETKEY', cookie: 'c=SECRETCOOKIE', accept: 'application/json' } } },
    'r',
  );
  log.info({ apiKey: 'sk_SECRET2', token: 'tok_SECRET3', nested: { secretAccessKey: 'AWSSECRET', sessionToken: 'SESSIONSECRET' } }, 'f');
  const out = lines.join('');
  for (const secret of ['eyJSECRET', 'sk_SECRETKEY', 'SECRETCOOKIE', 'sk_SECRET2', 'tok_SECRET3', 'AWSSECRET', 'SESSIONSECRET']) {
    t.notOk(out.includes(secret), `${secret} not logged`);
  }
  t.match(out, /application\/json/, 'harmless headers stay');
  const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  t.equal(first.service, 'test-svc');
  t.equal(first.level, 'info');
});

t.test('fingerprints are stable, short and not the secret', async (t) => {
  t.equal(fingerprint('abc'), fingerprint('abc'));
  t.not(fingerprint('abc'), fingerprint('abd'));
  t.equal(fingerprint('sk_live_123').length, 12);
});

t.test('stdout logging loses nothing when the process exits right after a burst, even into a slow pipe', async (t) => {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const loggerModule = fileURLToPath(new URL('../src/logger.ts', import.meta.url));
  // 20k lines (~3 MB) then process.exit: far more than a pipe holds, so most are still pending at exit.
  const script = `
    const { createLogger } = await import(${JSON.stringify(loggerModule)});
    const log = createLogger('burst', 'info');
    for (let i = 0; i < 20000; i++) log.info({ i, pad: 'x'.repeat(100) }, 'line');
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  // A slow reader: pause now and then, so the child's writes meet a full pipe.
  child.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 1);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0);
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
  t.equal(lines.length, 20000, 'every line arrived');
  t.equal((JSON.parse(lines.at(-1) ?? '{}') as { i?: number }).i, 19999, 'in order, the last one last');
});

t.test('batched stdout (under PM2): one write per turn of the event loop, bounded, flushed on demand', async (t) => {
  const { BatchedStdout } = await import('../src/logger.js');
  const writes: string[] = [];
  const out = new BatchedStdout(100, { write: (chunk: string) => writes.push(chunk) }, { service: 'svc' });
  out.write('a\n');
  out.write('b\n');
  t.same(writes, [], 'nothing written within the turn');
  await new Promise((r) => setImmediate(r));
  t.same(writes, ['a\nb\n'], 'both lines in one write');
  out.write('x'.repeat(60));
  out.write('y'.repeat(60));
  t.equal(out.dropped, 1, 'a line past the bound is dropped, not buffered');
  out.flush();
  const [kept, report] = writes.at(-1)!.split(/(?<=x)(?=\{)/);
  t.equal(kept, 'x'.repeat(60), 'flush writes what is pending at once');
  t.match(JSON.parse(report!), { level: 'warn', service: 'svc', event: 'log_lines_dropped', dropped: 1 }, 'and says how many lines were dropped');
  t.equal(out.dropped, 0, 'each drop is reported once');
  out.flush();
  t.equal(writes.length, 2, 'nothing pending, nothing written');
  out.write('z'.repeat(200));
  await new Promise((r) => setImmediate(r));
  t.match(JSON.parse(writes.at(-1)!), { event: 'log_lines_dropped', dropped: 1 }, 'a line larger than the whole buffer is reported too');
});

t.test('credentials in a query string are redacted from a logged URL; the rest of it stays', async (t) => {
  const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';
  t.equal(redactUrl('/mcp'), '/mcp', 'no query, no change');
  t.equal(redactUrl(undefined), undefined);
  t.equal(redactUrl(`/mcp?access_token=${jwt}&page=2`), '/mcp?access_token=[redacted]&page=2');
  t.equal(redactUrl('/mcp?API_KEY=sk_abc&x'), '/mcp?API_KEY=[redacted]&x');
  t.equal(redactUrl('/mcp?x%2Dbenchling%2Dapi%2Dkey=sk_abc'), '/mcp?x%2Dbenchling%2Dapi%2Dkey=[redacted]');
  t.equal(redactUrl('/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA&name=a'), '/o?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&name=a');
  t.equal(redactUrl(`/mcp?whatever=${jwt}`), '/mcp?whatever=[redacted]', 'a JWT under any name');
  t.equal(redactUrl('/mcp?%E0%A4%A=1'), '/mcp?%E0%A4%A=1', 'an undecodable name is left as it is');
});

t.test('batched stdout with a window: lines wait up to the window, a big batch goes at once', async (t) => {
  const { BatchedStdout } = await import('../src/logger.js');
  const writes: string[] = [];
  const out = new BatchedStdout(10_000, { write: (chunk: string) => writes.push(chunk) }, {}, { windowMs: 40, eagerChars: 100 });
  out.write('a\n');
  await new Promise((r) => setImmediate(r));
  out.write('b\n');
  await new Promise((r) => setTimeout(r, 5));
  t.same(writes, [], 'nothing written before the window ends, even across turns');
  await new Promise((r) => setTimeout(r, 60));
  t.same(writes, ['a\nb\n'], 'one write for the window');
  out.write('x'.repeat(60));
  out.write('y'.repeat(60));
  t.same(writes.at(-1), 'x'.repeat(60) + 'y'.repeat(60), 'past eagerChars the batch is written at once');
  await new Promise((r) => setTimeout(r, 60));
  t.equal(writes.length, 2, 'and the window it started does not write again');
});
