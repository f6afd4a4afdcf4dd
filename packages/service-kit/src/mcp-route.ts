import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { HttpError } from './http-error.js';
import { pathOf, type RequestContext, type ServiceHandler } from './http-service.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import type { ServiceMetrics } from './metrics.js';
import { applyOriginPolicy, type OriginPolicy } from './origin-policy.js';
import { sendJson, sendJsonRpcError } from './responses.js';

export interface Caller {
  userId: string;
  scopes?: Iterable<string>;
}

export interface McpRouteOptions<P extends Caller> {
  endpoint: McpEndpoint;
  metrics: ServiceMetrics;
  /**
   * Who is calling, or an HttpError (401/403, thrown or rejected) that is answered as it is. A caller known at once
   * (a key in a header) may be returned as it is: no promise to wait for on every request.
   */
  authenticate: (req: IncomingMessage) => P | Promise<P>;
  path?: string;
  /**
   * The browser origins allowed (default: localhost ones only), answered with CORS headers and their preflights
   * answered; a request from any other is refused, 403.
   */
  origins?: OriginPolicy;
}

/** Reads the caller that `mcpRoute` put into the request's AuthInfo, inside an MCP server factory. */
export function callerFrom<P extends Caller>(authInfo: AuthInfo | undefined): P {
  const caller = authInfo?.extra?.caller as P | undefined;
  if (!caller) throw new Error('MCP request reached the server factory without an authenticated caller');
  return caller;
}

/**
 * The `/mcp` route of an MCP server: authenticate at the HTTP level (so a bad credential is a 401 with a
 * `WWW-Authenticate` challenge, as MCP's authorization rules want, not a tool error), then hand the request and
 * the caller to the stateless MCP endpoint.
 */
export function mcpRoute<P extends Caller>(options: McpRouteOptions<P>): ServiceHandler {
  const path = options.path ?? '/mcp';
  const refuse = (err: unknown, res: ServerResponse, ctx: RequestContext): void => {
    if (!(err instanceof HttpError)) throw err;
    options.metrics.authFailures.inc({ reason: err.reason });
    ctx.log.warn({ reason: err.reason, status: err.status }, 'request refused');
    sendJsonRpcError(res, err.status, -32001, err.message, null, err.headers);
  };
  const pass = (caller: P, req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    req.userId = caller.userId;
    return options.endpoint.handle(req, res, {
      token: '', // never carried past authentication: the caller object holds what tools may use
      clientId: caller.userId,
      scopes: [...(caller.scopes ?? [])],
      extra: { caller },
    });
  };
  const origins = options.origins ?? { allowed: [], allowLocalhost: true };
  // Not an async function: a caller known at once and an answer from the answer cache make no promise at all.
  return (req, res, ctx) => {
    const url = pathOf(req.url);
    if (url !== path) {
      sendJson(res, 404, { error: 'not_found', message: `No route ${req.method} ${url}; MCP is served at ${path}` });
      return;
    }
    // MCP's DNS-rebinding rule and CORS, for a server reached without the router or nginx in front (they check
    // Origin and answer browsers themselves, and do not pass it on). Before authentication: a preflight carries no
    // credential, and a browser reads a 401's challenge only with the CORS headers on it.
    if (!applyOriginPolicy(req, res, origins, 'LABMCP_ALLOWED_ORIGINS')) return;
    let found: P | Promise<P>;
    try {
      found = options.authenticate(req);
    } catch (err) {
      return refuse(err, res, ctx);
    }
    if (found instanceof Promise)
      return found.then(
        (caller) => pass(caller, req, res),
        (err: unknown) => refuse(err, res, ctx),
      );
    return pass(found, req, res);
  };
}
