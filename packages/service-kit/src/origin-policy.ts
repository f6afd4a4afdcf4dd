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
