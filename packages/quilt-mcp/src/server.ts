import { callerFrom, createStatelessMcpServer, type Logger, registerTools, type ServiceMetrics } from '@labmcp/service-kit';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { QuiltLimits } from './config.js';
import type { QuiltCaller, RegistryRef } from './context.js';
import { toToolError } from './errors.js';
import type { RegistryAccess } from './registry/index.js';
import { registerQuiltResources } from './resources.js';
import { quiltTools } from './tools/index.js';

export interface QuiltServerDeps {
  version: string;
  logger: Logger;
  metrics: ServiceMetrics;
  registries: RegistryRef[];
  access: RegistryAccess;
  limits: QuiltLimits;
}

const INSTRUCTIONS =
  'Browse, search, compare, verify and publish Quilt data packages. Start with registries_list and packages_list (or search); ' +
  'package_browse shows what a revision holds, package_file_read reads a file, package_history lists revisions and package_diff compares them. ' +
  'S3 registries are read and written with your own AWS credentials.';

/**
 * The MCP server: one per request for most requests (stateless), one shared by every JSON-only 2025-era tools/call
 * (service-kit shared-server.ts). Its tools read their caller from each call's request; its resources (a server of its own)
 * are bound to the caller when it is built.
 */
export function quiltServerFactory(deps: QuiltServerDeps): McpServerFactory {
  return (request) => {
    const server = createStatelessMcpServer('quilt-mcp', deps.version, INSTRUCTIONS);
    registerTools(server, quiltTools, {
      logger: deps.logger,
      metrics: deps.metrics,
      callerContext: (authInfo) => {
        const caller = callerFrom<QuiltCaller>(authInfo);
        return {
          userId: caller.userId,
          scopes: caller.scopes,
          context: { caller, registries: deps.registries, logger: deps.logger, access: deps.access, limits: deps.limits },
        };
      },
      toToolError,
    });
    // Completions reach their handlers without the request, so the resources are bound to the caller of a server of
    // its own; the shared server answers tools/call only and has none.
    if (request?.authInfo)
      registerQuiltResources(server, { caller: callerFrom<QuiltCaller>(request.authInfo), registries: deps.registries, access: deps.access });
    return server;
  };
}
