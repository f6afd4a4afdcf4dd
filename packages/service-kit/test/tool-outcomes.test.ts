// registerTools' outcome of a call, over real HTTP with both kinds of client (JSON-only through the shared
// server, SSE through the SDK's per-request server): ok, user_error, error (logged with its cause), and cancelled
// when the caller goes away and the tool stops because of it (no error line: nothing of ours failed). A tool that
// finishes its work although the caller left counts as ok: the work was done.
import { Writable } from 'node:stream';
import t from 'tap';
import { z } from 'zod';
import { createLogger, createMetrics, defineTool, ToolError } from '../src/index.js';
import { serveTools, toolCall } from './helpers/tool-service.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write: (chunk: Buffer, _e, cb) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    cb();
  },
});
const logger = createLogger('outcome-test', 'info', sink);
const metrics = createMetrics('outcome-test');
const tool = defineTool<object>();
const tools = [
  tool({
    name: 'succeeds',
    title: 'Succeeds',
    description: 'Answers',
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: true },
    run: async () => ({ done: true }),
  }),
  tool({
    name: 'refuses',
    title: 'Refuses',
    description: 'A user error',
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: true },
    run: async () => {
      throw new ToolError('not like that', 'bad_request');
    },
  }),
  tool({
    name: 'breaks',
    title: 'Breaks',
    description: 'An internal error',
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: true },
    run: async () => {
      throw new Error('disk on fire');
    },
  }),
  tool({
    name: 'stops',
    title: 'Stops',
    description: 'Waits, and stops with an error when cancelled (as a fetch with the signal does)',
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: true },
    run: (_args, ctx) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve({ done: true }), 5000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason ?? new Error('aborted'));
        });
      }),
  }),
  tool({
    name: 'finishes',
    title: 'Finishes',
    description: 'Waits, and finishes its work even when cancelled',
    input: z.object({}),
    output: z.object({ done: z.boolean() }),
    annotations: { readOnlyHint: false },
    run: (_args, ctx) =>
      new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => setTimeout(() => resolve({ done: true }), 10));
      }),
  }),
];

const { post } = await serveTools(t, 'outcome-test', tools, { logger, metrics, endpoint: { sharedToolCalls: true } });
/** Calls the tool; with `abortAfterMs`, the caller goes away then (resolves ''). */
const callTool = (name: string, accept: string, abortAfterMs?: number) => post('alice', toolCall(name), accept, abortAfterMs);

const auditOf = (tool: string) => lines.filter((l) => l.audit === true && l.tool === tool);

async function auditLine(tool: string, count: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 150 && auditOf(tool).length < count; i++) await new Promise((r) => setTimeout(r, 20));
  const line = auditOf(tool)[count - 1];
  if (!line) throw new Error(`no audit line ${count} for ${tool}`);
  return line;
}

async function counted(tool: string, outcome: string): Promise<number> {
  const metric = (await metrics.registry.getSingleMetric('labmcp_tool_calls_total')?.get()) as { values: { labels: Record<string, string>; value: number }[] };
  return metric.values.find((v) => v.labels.tool === tool && v.labels.outcome === outcome)?.value ?? 0;
}

const clients = [
  ['JSON-only client (shared server)', 'application/json'],
  ['SSE client (per-request server)', 'application/json, text/event-stream'],
] as const;

for (const [i, [label, accept]] of clients.entries()) {
  t.test(label, async (t) => {
    const n = i + 1;
    t.match(await callTool('succeeds', accept), /"done":true/);
    t.equal((await auditLine('succeeds', n)).outcome, 'ok');

    t.match(await callTool('refuses', accept), /not like that/);
    t.match(await auditLine('refuses', n), { outcome: 'user_error', error: 'not like that' });

    t.match(await callTool('breaks', accept), /breaks failed because of an internal error/);
    t.equal((await auditLine('breaks', n)).outcome, 'error');
    t.ok(
      lines.some((l) => l.tool === 'breaks' && l.msg === 'tool failed' && l.level === 'error'),
      'an internal error is logged with its cause',
    );

    await callTool('stops', accept, 150);
    t.equal((await auditLine('stops', n)).outcome, 'cancelled', 'a call stopped by its caller leaving is cancelled');
    t.notOk(
      lines.some((l) => l.tool === 'stops' && l.level === 'error'),
      'and no error is logged for it',
    );
    t.equal(await counted('stops', 'cancelled'), n);
    t.equal(await counted('stops', 'error'), 0);

    await callTool('finishes', accept, 150);
    t.equal((await auditLine('finishes', n)).outcome, 'ok', 'a call that did its work although its caller left is ok');
  });
}
