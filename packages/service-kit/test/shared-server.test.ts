// The shared server's own behaviour over real HTTP (service-kit shared-server.ts, via createMcpEndpoint with
// sharedToolCalls): a client that goes away cancels its call (the tool's signal aborts), for JSON and SSE clients;
// an SSE client gets keep-alive comments while a call runs, then the one answer event; each call runs as its own
// caller. (Byte-for-byte equality with the per-request SDK path, for both real servers:
// test/integration/shared-server.test.ts.)
import { Writable } from 'node:stream';
import t from 'tap';
import { z } from 'zod';
import { createLogger, createMetrics, defineTool } from '../src/index.js';
import { serveTools, toolCall } from './helpers/tool-service.js';

const logger = createLogger('shared-test', 'silent', new Writable({ write: (_c, _e, cb) => cb() }));
const metrics = createMetrics('shared-test');
const tool = defineTool<object>();
const aborted: string[] = [];
const tools = [
  tool({
    name: 'wait',
    title: 'Wait',
    description: 'Waits until cancelled, or ms',
    input: z.object({ label: z.string().max(20), ms: z.number().int().max(5000).default(5000) }),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: true },
    run: (args, ctx) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ done: true }), args.ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          aborted.push(args.label);
          resolve({ done: false });
        });
      }),
  }),
  tool({
    name: 'whoami',
    title: 'Who am I',
    description: 'The caller',
    input: z.object({}),
    output: z.object({ userId: z.string() }),
    annotations: { readOnlyHint: true },
    run: async (_args, ctx) => ({ userId: ctx.userId }),
  }),
];

const { counts, post } = await serveTools(t, 'shared-test', tools, { logger, metrics, endpoint: { sharedToolCalls: true, keepAliveMs: 50 } });
const call = toolCall;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

t.test('a client that goes away cancels its call: JSON-only and SSE clients', async (t) => {
  await post('alice', call('wait', { label: 'json' }), 'application/json', 150);
  await until(() => aborted.includes('json'), 'the JSON call to be cancelled');
  t.ok(aborted.includes('json'), "the JSON client's call was cancelled");
  await post('alice', call('wait', { label: 'sse' }), 'application/json, text/event-stream', 150);
  await until(() => aborted.includes('sse'), 'the SSE call to be cancelled');
  t.ok(aborted.includes('sse'), "the SSE client's call was cancelled");
  t.equal(counts.built, 1, 'both on the one shared server');
});

t.test('an SSE client gets keep-alive comments while the call runs, then the answer event', async (t) => {
  const text = await post('alice', call('wait', { label: 'slow', ms: 300 }), 'application/json, text/event-stream');
  t.match(text, /^(: keepalive\n\n)+event: message\ndata: \{.*"done":true.*\}\n\n$/s);
});

t.test('calls of two callers at once each run as their caller', async (t) => {
  const users = Array.from({ length: 20 }, (_, i) => `user-${i % 2}`);
  const answers = await Promise.all(users.map((u) => post(u, call('whoami', {}), 'application/json')));
  users.forEach((u, i) => {
    t.match(answers[i], new RegExp(`"userId":"${u}"`), `call ${i} ran as ${u}`);
  });
  t.equal(counts.built, 1);
});
