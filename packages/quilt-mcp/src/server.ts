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

/** One fresh MCP server per request (stateless), bound to the authenticated caller. */
export function quiltServerFactory(deps: QuiltServerDeps): McpServerFactory {
  return (ctx) => {
    const caller = callerFrom<QuiltCaller>(ctx.authInfo);
    const server = createStatelessMcpServer('quilt-mcp', deps.version, INSTRUCTIONS);
    registerTools(server, quiltTools, {
      service: 'quilt-mcp',
      userId: caller.userId,
      scopes: caller.scopes,
      logger: deps.logger,
      metrics: deps.metrics,
      context: { caller, registries: deps.registries, logger: deps.logger, access: deps.access, limits: deps.limits },
      toToolError,
    });
    registerQuiltResources(server, { caller, registries: deps.registries, access: deps.access });
    return server;
  };
}
