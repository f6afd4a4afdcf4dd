import { hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpEndpoint } from '@labmcp/service-kit';
import { type Logger, packageVersion, sendJson, sendJsonRpcError, type UserOperations } from '@labmcp/service-kit/service';
import type { Counter } from 'prom-client';
import type { TrustedProxies } from '../client-address.js';
import type { CredentialPolicy } from '../credentials.js';
import { credentialOf } from '../rate-limit.js';
import type { RoutedRequest } from '../routed-request.js';
import { UpstreamAvailability } from '../upstream-health.js';
import { matchUpstream, type Upstream } from '../upstreams.js';
import { workflowTools } from '../workflows/index.js';
import { Backend, type CallerHeaders } from './backend.js';
import { MergedCatalog } from './catalog.js';
import type { BackendName } from './names.js';
import type { McpCaller } from './server.js';

/** `/mcp` as the router's routing sees it: a route of its own, limited like the servers' routes. */
export const MERGED_MCP: Upstream = { prefix: '/mcp', service: 'mcp', target: new URL('http://127.0.0.1/') };

export interface MergedMcpOptions {
  upstreams: Upstream[];
  credentials: CredentialPolicy;
  /** benchling-mcp acts on the JWT alone (benchlingIgnoresCallerKeys): a Benchling key then does not name the caller. */
  ignoreBenchlingKeys: boolean;
  timeoutMs: number;
  /** For the servers' `tools/list` (ROUTER_HEALTH_TIMEOUT_MS). */
  listTimeoutMs: number;
  maxBodyBytes: number;
  logger: Logger;
  upstreamErrors: Counter<'upstream' | 'kind'>;
  userOperations: UserOperations;
  /** The `WWW-Authenticate` challenge to send (the router adds its resource metadata where OAuth is configured). */
  challenge: (req: IncomingMessage, challenge: string) => string;
  /** Whether the caller's credential was accepted, for the rate limit of unaccepted credentials. */
  answered: (routed: RoutedRequest, status: number) => void;
}

const BACKEND_OF: Record<string, BackendName> = { 'quilt-mcp': 'quilt', 'benchling-mcp': 'benchling' };

/**
 * The router's own MCP endpoint: one connection for both servers (see docs/clients.md). Stateless like the
 * servers' endpoints, so any router process answers any request.
 */
export function createMergedMcp(options: MergedMcpOptions) {
  // Its own record of which servers are down (the proxy keeps one for the prefixed routes): answered at once.
  const availability = new UpstreamAvailability(options.logger);
  const backends = new Map<BackendName, Backend>();
  for (const upstream of options.upstreams) {
    const name = BACKEND_OF[upstream.service];
    if (!name) continue;
    backends.set(
      name,
      new Backend(name, upstream, {
        credentials: options.credentials,
        timeoutMs: options.timeoutMs,
        listTimeoutMs: options.listTimeoutMs,
        maxAnswerBytes: 64 * 1024 * 1024,
        availability,
      }),
    );
  }
  const catalog = new MergedCatalog([...backends.values()], workflowTools, options.logger);
  // The MCP SDK is loaded on the first `/mcp` request, not at start: the router's other routes do without it.
  let endpoint: Promise<McpEndpoint> | undefined;
  const endpointOf = () => {
    endpoint ??= Promise.all([import('@labmcp/service-kit'), import('./server.js')]).then(([kit, server]) =>
      kit.createMcpEndpoint(
        server.mergedServerFactory({
          version: packageVersion(new URL('../main.js', import.meta.url).href),
          logger: options.logger,
          catalog,
          backends,
          workflows: new Map(workflowTools.map((w) => [w.name, w])),
          upstreamErrors: options.upstreamErrors,
          userOperations: options.userOperations,
        }),
        { maxRequestBodySize: options.maxBodyBytes, onerror: (err) => options.logger.warn({ err }, 'MCP request error at /mcp') },
      ),
    );
    return endpoint;
  };

  function refuse(req: IncomingMessage, res: ServerResponse, message: string, challenge: string): void {
    sendJsonRpcError(res, 401, -32001, message, null, { 'www-authenticate': options.challenge(req, challenge) });
  }

  return {
    /** The request as a RoutedRequest when it is for `/mcp`; whom it counts against is both its credentials. */
    route(req: IncomingMessage, proxies: TrustedProxies): RoutedRequest | undefined {
      const match = matchUpstream([MERGED_MCP], req.url ?? '/');
      if (!match) return undefined;
      const clientAddress = proxies.clientAddress(req);
      const quilt = credentialOf(req, 'quilt-mcp');
      // As on the prefixed routes: where benchling-mcp ignores caller keys, a made-up key per request must not buy
      // a fresh bucket, so the key counts only where it is what benchling-mcp acts on.
      const benchling = req.headers['x-benchling-api-key'] !== undefined && !options.ignoreBenchlingKeys ? credentialOf(req, 'benchling-mcp') : undefined;
      const credential = quilt !== undefined || benchling !== undefined;
      const key = credential ? `mcp:cred:${hash('sha256', `${quilt ?? ''}\n${benchling ?? ''}`, 'base64url').slice(0, 22)}` : `mcp:addr:${clientAddress}`;
      return { upstream: MERGED_MCP, path: match.path, clientAddress, caller: { key, credential } };
    },

    async handle(req: IncomingMessage, res: ServerResponse, routed: RoutedRequest, requestId: string, body: Buffer): Promise<void> {
      if (routed.path.split('?')[0] !== '/') {
        sendJson(res, 404, { error: 'not_found', message: 'The one-connection MCP endpoint is /mcp' });
        return;
      }
      if (!routed.caller.credential) {
        refuse(req, res, 'Send your Quilt token (Authorization: Bearer) and your Benchling API key (X-Benchling-API-Key)', 'Bearer realm="labmcp"');
        return;
      }
      const headers: CallerHeaders = { incoming: req.headers, requestId, clientAddress: routed.clientAddress };
      const caller: McpCaller = { headers, answered: (accepted) => options.answered(routed, accepted ? 200 : 401) };
      if (req.method === 'POST' && listsTools(body)) {
        caller.tools = await catalog.forCaller(headers);
        if (res.destroyed) return;
        if (caller.tools.refused.length === backends.size) {
          options.answered(routed, 401);
          const quilt = caller.tools.refused.find((r) => r.service === 'quilt-mcp');
          refuse(req, res, caller.tools.refused.map((r) => `${r.service}: ${r.message}`).join('; '), quilt?.challenge ?? 'Bearer realm="labmcp"');
          return;
        }
        if (caller.tools.refused.length < backends.size - caller.tools.unavailable.length) options.answered(routed, 200);
      }
      const mcp = await endpointOf();
      // The tool list depends on the caller's access: the endpoint's answer cache keeps one per distinct list.
      const scopes = [caller.tools?.digest ?? 'unlisted'];
      await mcp.handle(req, res, { token: '', clientId: 'mcp', scopes, extra: { caller } }, body);
    },

    async close(): Promise<void> {
      availability.close();
      if (endpoint !== undefined) await (await endpoint).close();
    },
  };
}

/** Whether a request body holds a `tools/list` (alone or in a batch). */
function listsTools(body: Buffer): boolean {
  if (!body.includes('"tools/list"')) return false;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).some((m) => (m as { method?: unknown } | null)?.method === 'tools/list');
  } catch {
    return false;
  }
}

export type MergedMcp = ReturnType<typeof createMergedMcp>;
