export * from './service.js';
export { createMcpEndpoint, createStatelessMcpServer, type McpEndpoint, type McpEndpointOptions } from './mcp-endpoint.js';
export { defineTool, registerTools, type AnyTool, type RegisterToolsOptions, type ToolDefinition, type ToolRunContext } from './tools.js';
export { TOOL_ERROR_CODES, ToolError, type ToolErrorCode, type ToolErrorTranslator } from './tool-errors.js';
export { refuseReservedKeys, reservedKeyPath, RESERVED_KEYS } from './safe-keys.js';
export { callerFrom, mcpRoute, type Caller, type McpRouteOptions } from './mcp-route.js';
export * from './tool-args.js';
