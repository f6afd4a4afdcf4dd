import type { IncomingMessage } from 'node:http';
import type { TrustedProxies } from './client-address.js';
import { rateLimitKey } from './rate-limit.js';
import type { ServiceHosts } from './service-hosts.js';
import type { Upstream } from './upstreams.js';

/**
 * A request for one of the upstreams, as the router works it out once when the request comes in: the service
 * frame hands it to every later step (metrics label, limits, forwarding, the answer's bookkeeping), so none of
 * them matches the path or hashes the credential again.
 */
export interface RoutedRequest {
  upstream: Upstream;
  /** The path to send upstream: the request's, without the prefix. */
  path: string;
  /** The client's address, through trusted proxies only (see TrustedProxies). */
  clientAddress: string;
  /** Whom the request counts against: a hash of its credential, or its address without one (see rateLimitKey). */
  caller: { key: string; credential: boolean };
}

/** The request's upstream (by its host, then its path) and caller; undefined for a host or path no upstream serves. */
export function routeRequest(
  routes: ServiceHosts,
  proxies: TrustedProxies,
  req: IncomingMessage,
  options: { ignoreBenchlingKeys?: boolean } = {},
): RoutedRequest | undefined {
  const match = routes.match(req.headers.host, req.url ?? '/');
  if (!match) return undefined;
  const clientAddress = proxies.clientAddress(req);
  return {
    upstream: match.upstream,
    path: match.path,
    clientAddress,
    caller: rateLimitKey(req, match.upstream.service, clientAddress, options.ignoreBenchlingKeys),
  };
}
