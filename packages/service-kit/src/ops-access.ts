import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Who may see what of a service's `/health` and `/metrics`: `full` (everything), `status` (`/health` says
 * ok / degraded / down per check and nothing else; `/metrics` is refused) or `refused` (both 403).
 */
export type OpsAccess = 'full' | 'status' | 'refused';

/**
 * The header by which a proxy in front of a server says "this request comes from outside": `status` or `refused`.
 * The separate-containers layout's nginx sets it on everything it forwards (deploy/nginx/labmcp.conf), so that an
 * operations token a client sends through it does not open a server's details either.
 * Trusted from anyone, because it can only take access away.
 */
const OPS_ACCESS_HEADER = 'x-labmcp-ops-access';

const OPS_ACCESS_RANK: Record<OpsAccess, number> = { full: 0, status: 1, refused: 2 };

/** `granted`, lowered to what the request's OPS_ACCESS_HEADER asks for, if that is less. */
export function opsAccessOf(req: IncomingMessage, granted: OpsAccess): OpsAccess {
  const asked = req.headers[OPS_ACCESS_HEADER];
  if (asked !== 'status' && asked !== 'refused') return granted;
  return OPS_ACCESS_RANK[asked] > OPS_ACCESS_RANK[granted] ? asked : granted;
}

/** Whether an address is the machine itself (IPv4 127/8, IPv6 ::1, or 127/8 mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The host name of a `Host` header value, lowercased, without the port (an IPv6 address keeps its brackets). */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1) || undefined;
  return trimmed.split(':')[0] || undefined;
}

/**
 * Whether a request names the machine by a name no one else can point at it: no `Host`, `localhost` or an IP
 * address. A web page can rebind its own DNS name to 127.0.0.1 and so reach a loopback port from the user's
 * browser, but its requests then name that page's host: they must not get what loopback gets.
 */
export function namesOnlyThisMachine(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = hostName(host);
  return name !== undefined && (name === 'localhost' || isIpAddress(name));
}

/** Whether a host name (hostName's) is an IP address, an IPv6 one in brackets or not. */
export function isIpAddress(name: string): boolean {
  return isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

/**
 * Checks the operations token a request presents (`Authorization: Bearer <token>`): compared as SHA-256 digests in
 * constant time, so neither the token's length nor its bytes leak through timing. Always false without a token.
 */
export function opsTokenCheck(token: string | undefined): (req: IncomingMessage) => boolean {
  if (token === undefined) return () => false;
  const expected = hash('sha256', token, 'buffer');
  return (req) => {
    const presented = /^\s*bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(expected, hash('sha256', presented, 'buffer'));
  };
}

/**
 * A server's own rule (every process of the bundle but the router, which also trusts its proxies' addresses and
 * has names of its own): everything for a client on the machine itself that names it as such (PM2's bundle, a
 * container's health check; not a page that rebinds its DNS name to loopback) or one that presents the operations
 * token (LABMCP_OPS_TOKEN: Prometheus, the router in front of a server elsewhere), the status only for anyone else.
 * A server listening on a network (the separate-containers and ECS layouts) must not hand its metrics, versions and
 * settings to whoever reaches its port.
 */
export function loopbackOrTokenAccess(token: string | undefined): (req: IncomingMessage) => OpsAccess {
  const presentsToken = opsTokenCheck(token);
  return (req) => ((isLoopbackAddress(req.socket?.remoteAddress) && namesOnlyThisMachine(req.headers.host)) || presentsToken(req) ? 'full' : 'status');
}
