import type { IncomingMessage } from 'node:http';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { HealthChecks } from './health.js';
import { runHttpService } from './http-service.js';
import { createMcpEndpoint } from './mcp-endpoint.js';
import { type Caller, mcpRoute } from './mcp-route.js';
import { manageProcess } from './process-lifecycle.js';
import type { ServiceProcess } from './service-process.js';

/** The settings of the MCP endpoint every MCP server of the bundle reads alike (service-kit's commonSettings). */
export interface McpEndpointSettings {
  LABMCP_MCP_ANSWER_CACHE: number;
  LABMCP_MCP_SHARED_SERVER: boolean;
  LABMCP_MCP_BODY_TIMEOUT_MS: number;
  LABMCP_OPS_TOKEN?: string | undefined;
  LABMCP_ALLOWED_ORIGINS: string[];
}

export interface McpServiceOptions<P extends Caller> {
  host: string;
  port: number;
  /** The server's MCP servers (stateless: built per request, or once for the shared tools/call server). */
  factory: McpServerFactory;
  /** The server's own limits: bodies over `maxRequestBodySize` are answered 413; SSE keep-alives every `keepAliveMs`. */
  maxRequestBodySize: number;
  keepAliveMs: number;
  authenticate: (req: IncomingMessage) => P | Promise<P>;
  health: HealthChecks;
  /** Runs after the MCP endpoint closed, when the service stops (close stores and pools). */
  onShutdown?: () => Promise<void> | void;
}

/**
 * Serves an MCP server process, the same way for each of them: its stateless MCP endpoint at `/mcp` behind
 * `authenticate`, in the HTTP service frame (`/health`, `/metrics`, access log), with the process's signals wired
 * to a graceful stop that closes the endpoint first.
 */
export async function runMcpService<P extends Caller>(started: ServiceProcess<McpEndpointSettings>, options: McpServiceOptions<P>): Promise<void> {
  const { service, config, version, logger, metrics } = started;
  const endpoint = createMcpEndpoint(options.factory, {
    maxRequestBodySize: options.maxRequestBodySize,
    keepAliveMs: options.keepAliveMs,
    answerCacheEntries: config.LABMCP_MCP_ANSWER_CACHE,
    sharedToolCalls: config.LABMCP_MCP_SHARED_SERVER,
    bodyTimeoutMs: config.LABMCP_MCP_BODY_TIMEOUT_MS,
    onerror: (err) => logger.warn({ err }, 'MCP request error'),
  });
  const running = await runHttpService({
    service,
    version,
    host: options.host,
    port: options.port,
    logger,
    metrics,
    handler: mcpRoute({ endpoint, metrics, authenticate: options.authenticate, origins: { allowed: config.LABMCP_ALLOWED_ORIGINS, allowLocalhost: true } }),
    health: options.health,
    opsToken: config.LABMCP_OPS_TOKEN,
    onShutdown: async () => {
      await endpoint.close();
      await options.onShutdown?.();
    },
  });
  manageProcess(running, logger);
}
