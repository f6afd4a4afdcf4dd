export { createMcpEndpoint, createStatelessMcpServer, type McpEndpoint, type McpEndpointOptions } from './mcp-endpoint.js';
export { type Caller, callerFrom, type McpRouteOptions, mcpRoute } from './mcp-route.js';
export { type McpEndpointSettings, type McpServiceOptions, runMcpService } from './mcp-service.js';
export { RESERVED_KEYS, refuseReservedKeys, reservedKeyPath } from './safe-keys.js';
export * from './service.js';
export * from './tool-args.js';
export { TOOL_ERROR_CODES, ToolError, type ToolErrorCode, type ToolErrorTranslator } from './tool-errors.js';
export { type AnyTool, defineTool, type RegisterToolsOptions, registerTools, type ToolDefinition, type ToolRunContext } from './tools.js';
