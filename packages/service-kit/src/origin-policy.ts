import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Which browser origins may call an MCP endpoint (MCP's transport security: a server must refuse, 403, a request
 * whose `Origin` it does not allow, so that a page which rebinds its DNS name to the server cannot script it).
 * Requests without `Origin` (MCP clients, curl, servers) are not browsers' and pass.
 */
export interface OriginPolicy {
  /** Exact origins (scheme://host[:port]) allowed to call from a browser. */
  allowed: string[];
  /** Also allow http://localhost:* and http://127.0.0.1:* (local tools such as the MCP Inspector). */
  allowLocalhost: boolean;
}

const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

export function originAllowed(origin: string, policy: OriginPolicy): boolean {
  if (policy.allowed.includes(origin)) return true;
  return policy.allowLocalhost && LOCALHOST_ORIGIN.test(origin);
}

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
 * a browser request from an origin not on the list is refused (403, naming `setting`, the variable that lists
 * them). Answers preflights itself. Returns false when it has answered the request.
 */
export function applyOriginPolicy(req: IncomingMessage, res: ServerResponse, policy: OriginPolicy, setting: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (!originAllowed(origin, policy)) {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'origin_not_allowed', message: `Origin ${origin} is not allowed; configure ${setting}` }));
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
