import type { IncomingMessage, ServerResponse } from 'node:http';
import { type OriginPolicy, originAllowed } from '@labmcp/service-kit/service';

const ALLOWED_HEADERS =
  'Authorization, Content-Type, Accept, X-Benchling-API-Key, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID, X-Request-Id';
const EXPOSED_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Retry-After, X-Request-Id';

/** The CORS answer headers for an allowed origin. */
export function setCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
}

/**
 * MCP's DNS-rebinding rule and CORS in one place. Requests without `Origin` (curl, SDK clients, servers) pass;
 * a browser request from an origin not on the list is refused before it reaches a service. Answers preflights
 * itself. Returns false when it has answered the request.
 */
export function applyOriginPolicy(req: IncomingMessage, res: ServerResponse, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (!originAllowed(origin, policy)) {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'origin_not_allowed', message: `Origin ${origin} is not allowed; configure ROUTER_ALLOWED_ORIGINS` }));
    return false;
  }
  setCorsHeaders(res, origin);
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    });
    res.end();
    return false;
  }
  return true;
}
