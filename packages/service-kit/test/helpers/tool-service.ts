import { request } from 'node:http';
import { McpServer } from '@modelcontextprotocol/server';
import type { Test } from 'tap';
import {
  type AnyTool,
  type Caller,
  callerFrom,
  createMcpEndpoint,
  type Logger,
  mcpRoute,
  registerTools,
  runHttpService,
  type ServiceMetrics,
} from '../../src/index.js';

/**
 * `tools` registered with registerTools behind a real MCP endpoint and HTTP service on loopback, for as long as the
 * test runs. The caller is whoever `Authorization: Bearer <user>` names. `built` counts the MCP servers made.
 */
export async function serveTools(
  t: Test,
  name: string,
  tools: AnyTool<object>[],
  options: { logger: Logger; metrics: ServiceMetrics; endpoint?: Parameters<typeof createMcpEndpoint>[1] },
) {
  const { logger, metrics } = options;
  const counts = { built: 0 };
  const endpoint = createMcpEndpoint(() => {
    counts.built++;
    const server = new McpServer({ name, version: '1.0.0' });
    registerTools(server, tools, {
      logger,
      metrics,
      callerContext: (authInfo) => ({ userId: callerFrom<Caller>(authInfo).userId, context: {} }),
    });
    return server;
  }, options.endpoint);
  const service = await runHttpService({
    service: name,
    version: '1.0.0',
    host: '127.0.0.1',
    port: 0,
    logger,
    metrics,
    handler: mcpRoute({ endpoint, metrics, authenticate: async (req) => ({ userId: (req.headers.authorization ?? '').replace(/^Bearer /, '') }) }),
    health: () => ({}),
    shutdownTimeoutMs: 2000,
  });
  t.teardown(() => service.stop());
  const url = new URL(`${service.url}/mcp`);

  /** Posts a JSON-RPC body as `user`; resolves with the answer's text, or (with `abortAfterMs`) goes away then and resolves ''. */
  function post(user: string, body: string, accept: string, abortAfterMs?: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json', accept } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
        res.on('error', () => resolve(text));
      });
      req.on('error', (err) => (abortAfterMs === undefined ? reject(err) : resolve('')));
      req.end(body);
      if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
    });
  }

  return { url, counts, post };
}

/** A `tools/call` request body. */
export const toolCall = (name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
