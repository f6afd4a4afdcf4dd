import { request } from 'node:http';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, createMetrics, runHttpService } from '../src/index.js';

// The frame's access line, read back from a real server's log: one flat line per request, at its end.
const lines: Record<string, unknown>[] = [];
const logger = createLogger(
  'access-test',
  'info',
  new Writable({
    write: (chunk, _enc, cb) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  }),
);

const service = await runHttpService({
  service: 'access-test',
  version: '1',
  host: '127.0.0.1',
  port: 0,
  logger,
  metrics: createMetrics('access-test'),
  handler: async (req, res, ctx) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ok') {
      req.userId = 'alice';
      ctx.log.info({ step: 'handled' }, 'handler line');
      res.end('fine');
    } else if (path === '/missing') {
      res.statusCode = 404;
      res.end();
    } else if (path === '/broken') {
      throw new Error('handler broke');
    } else if (path === '/hang') {
      // Never answers: the client gives up.
    }
  },
});
t.teardown(() => service.stop());

function send(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${service.url}${path}`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function lineFor(requestId: string, msgs = ['request completed', 'request failed', 'request aborted']): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const found = lines.find((l) => (l.req as { id?: string } | undefined)?.id === requestId && msgs.includes(String(l.msg)));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no access line for ${requestId}`);
}

t.test('a completed request: one line with the request, the user, the status and the time; no header, no credential', async (t) => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await send('/ok?access_token=SECRET-IN-QUERY&page=2', {
    'x-request-id': 'req-ok-1',
    authorization: 'Bearer SECRET-TOKEN',
    traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
  });
  const line = await lineFor('req-ok-1');
  t.equal(line.msg, 'request completed');
  t.equal(line.level, 'info');
  t.equal(line.userId, 'alice');
  t.equal(line.traceId, traceId, 'the line carries the trace the request came in');
  t.same(line.res, { statusCode: 200 });
  t.type(line.responseTime, 'number');
  t.match(line.req, { id: 'req-ok-1', method: 'GET', remoteAddress: '127.0.0.1' });
  t.notOk(String((line.req as { url: string }).url).includes('SECRET-IN-QUERY'), 'credential query parameters are redacted');
  t.match(String((line.req as { url: string }).url), /page=2/, 'other parameters stay');
  t.equal(lines.filter((l) => (l.req as { id?: string } | undefined)?.id === 'req-ok-1' && l.msg === 'request completed').length, 1, 'exactly one access line');
  const handlerLine = lines.find((l) => l.msg === 'handler line');
  t.match(handlerLine, { step: 'handled', req: { id: 'req-ok-1' }, traceId }, "the handler's own lines name the request");
  const all = JSON.stringify(lines);
  t.notOk(all.includes('SECRET-TOKEN') || all.includes('SECRET-IN-QUERY'), 'no credential anywhere in the log');
});

t.test('4xx is a warning, 5xx an error that says the request failed', async (t) => {
  t.equal(await send('/missing', { 'x-request-id': 'req-404' }), 404);
  t.match(await lineFor('req-404'), { level: 'warn', msg: 'request completed', res: { statusCode: 404 } });
  t.equal(await send('/broken', { 'x-request-id': 'req-500' }), 500);
  t.match(await lineFor('req-500'), { level: 'error', msg: 'request failed', res: { statusCode: 500 } });
  t.ok(
    lines.some((l) => l.msg === 'unhandled error while serving request' && (l.req as { id?: string }).id === 'req-500'),
    "the handler's error is logged with the request's id",
  );
});

t.test('a request the client gave up on is logged as aborted', async (t) => {
  await new Promise<void>((resolve) => {
    const req = request(`${service.url}/hang`, { headers: { 'x-request-id': 'req-gone' } });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), 100);
  });
  t.match(await lineFor('req-gone'), { msg: 'request aborted', req: { id: 'req-gone' } });
});

t.test('health and metrics have no access line', async (t) => {
  await send('/health', { 'x-request-id': 'req-health' });
  await send('/metrics', { 'x-request-id': 'req-metrics' });
  await send('/missing', { 'x-request-id': 'req-after' });
  await lineFor('req-after');
  t.notOk(
    lines.some((l) => ['req-health', 'req-metrics'].includes(String((l.req as { id?: string } | undefined)?.id))),
    'no line for the quiet paths',
  );
});
