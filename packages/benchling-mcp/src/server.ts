import { callerFrom, createStatelessMcpServer, type Logger, registerTools, type ServiceMetrics } from '@labmcp/service-kit';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { BenchlingClient } from './benchling/client.js';
import { DEFAULT_TOOL_SETTINGS, LookupCache, type ToolSettings } from './context.js';
import type { BenchlingCaller } from './keys.js';
import { toToolError } from './tool-errors.js';
import { benchlingTools } from './tools/index.js';

export interface BenchlingServerDeps {
  version: string;
  logger: Logger;
  metrics: ServiceMetrics;
  client: BenchlingClient;
  settings?: ToolSettings;
  cache?: LookupCache;
}

const INSTRUCTIONS =
  'Find and read Benchling notebook entries, folders, projects, DNA and AA sequences, custom entities and schemas, and create ' +
  'entries, DNA sequences and custom entities, acting as the user through their own API key. Lists page with page_size and ' +
  'cursor (pass back next_cursor). `search` finds things by name or id; schemas_list shows the fields a create needs. ' +
  'Creates are not undoable from here: confirm names, folders and field values with the user first.';

/**
 * The MCP server: one per request for most requests (stateless), one shared by every JSON-only 2025-era tools/call
 * (service-kit shared-server.ts). Nothing in it is the caller's: each call reads its caller and key from the request.
 */
export function benchlingServerFactory(deps: BenchlingServerDeps): McpServerFactory {
  const settings = deps.settings ?? DEFAULT_TOOL_SETTINGS;
  const cache = deps.cache ?? new LookupCache(settings.cacheTtlMs);
  return () => {
    const server = createStatelessMcpServer('benchling-mcp', deps.version, INSTRUCTIONS);
    registerTools(server, benchlingTools, {
      logger: deps.logger,
      metrics: deps.metrics,
      callerContext: (authInfo) => {
        const caller = callerFrom<BenchlingCaller>(authInfo);
        return {
          userId: caller.userId,
          context: {
            caller: { userId: caller.userId, keySource: caller.keySource },
            benchling: deps.client.session(caller.apiKey, { keySource: caller.keySource, refreshKey: caller.refreshKey }),
            settings,
            cache,
            baseUrl: deps.client.baseUrl,
            logger: deps.logger,
          },
        };
      },
      toToolError,
    });
    return server;
  };
}
