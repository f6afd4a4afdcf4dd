import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import { callerFrom, registerTools, type Logger, type ServiceMetrics } from '@labmcp/service-kit';
import type { BenchlingCaller } from './keys.js';
import { benchlingTools } from './tools/index.js';

export interface BenchlingServerDeps {
  version: string;
  logger: Logger;
  metrics: ServiceMetrics;
  baseUrl: string;
}

const INSTRUCTIONS =
  'Find and read Benchling notebook entries, folders, projects, sequences and registered entities, and create new ones ' +
  'carefully, acting as the user through their own API key.';

/** One fresh MCP server per request (stateless), bound to the caller and their Benchling key. */
export function benchlingServerFactory(deps: BenchlingServerDeps): McpServerFactory {
  return (ctx) => {
    const caller = callerFrom<BenchlingCaller>(ctx.authInfo);
    const server = new McpServer({ name: 'benchling-mcp', version: deps.version }, { instructions: INSTRUCTIONS });
    registerTools(server, benchlingTools, {
      service: 'benchling-mcp',
      userId: caller.userId,
      logger: deps.logger,
      metrics: deps.metrics,
      context: { caller, baseUrl: deps.baseUrl, logger: deps.logger },
    });
    return server;
  };
}
