import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The calls our tests make, identical for both client generations. */
export interface McpTestClient {
  era: 'modern' | 'legacy';
  listTools: () => Promise<{ tools: { name: string; annotations?: Record<string, unknown>; outputSchema?: unknown }[] }>;
  callTool: (name: string, args?: Record<string, unknown>) => Promise<ToolResult>;
  /** What the server declared (initialize or server/discover). */
  capabilities: () => { tools?: { listChanged?: boolean } } | undefined;
  close: () => Promise<void>;
}

export interface ToolResult {
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ConnectOptions {
  /** The transport's `fetch` (e.g. test/helpers/pinned-fetch.ts: host names, a test CA, HTTP/2). */
  fetch?: typeof globalThis.fetch;
}

/** SDK v2 client speaking the current revision (2026-07-28: no initialize, per-request `_meta`). */
export async function connectModern(url: string, headers: Record<string, string> = {}, options: ConnectOptions = {}): Promise<McpTestClient> {
  const client = new Client({ name: 'labmcp-test-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...options }));
  return {
    era: 'modern',
    listTools: () => client.listTools() as Promise<Awaited<ReturnType<McpTestClient['listTools']>>>,
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
    capabilities: () => client.getServerCapabilities(),
    close: () => client.close(),
  };
}

/** SDK v1 client, as most deployed clients are today (initialize first, 2025-era revisions). */
export async function connectLegacy(url: string, headers: Record<string, string> = {}, options: ConnectOptions = {}): Promise<McpTestClient> {
  const client = new LegacyClient({ name: 'labmcp-test-legacy', version: '1.0.0' });
  await client.connect(new LegacyTransport(new URL(url), { requestInit: { headers }, ...options }));
  return {
    era: 'legacy',
    listTools: () => client.listTools() as Promise<Awaited<ReturnType<McpTestClient['listTools']>>>,
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as ToolResult,
    capabilities: () => client.getServerCapabilities(),
    close: () => client.close(),
  };
}

export const connectors = [connectModern, connectLegacy];
