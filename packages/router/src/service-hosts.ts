import { hostName } from '@labmcp/service-kit/service';
import { matchUpstream, type Upstream } from './upstreams.js';

/** One `ROUTER_SERVICE_HOSTS` entry: a host name and the service (`quilt` or `benchling`, its path prefix) it serves. */
export interface ServiceHostSetting {
  host: string;
  service: string;
}

/** The services a host name can be given to: the path prefixes' names. */
export const HOST_ROUTED_SERVICES = ['quilt', 'benchling'];

/** Parses one entry of `quilt.example.com=quilt,benchling.example.com=benchling` (the list already split on commas). */
export function parseServiceHost(entry: string): ServiceHostSetting | undefined {
  const [host, service, ...rest] = entry.split('=').map((s) => s.trim().toLowerCase());
  if (!host || !service || rest.length > 0 || !HOST_ROUTED_SERVICES.includes(service)) return undefined;
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host)) return undefined;
  return { host, service };
}

/** The router's own paths, answered by the router on every host (a service's own are under its prefix). */
const ROUTER_PATHS = new Set(['/health', '/metrics']);

/**
 * Routing by host name (`ROUTER_SERVICE_HOSTS`): a service's own host sends every path to that service (its own
 * prefix, if a client still uses it, is taken off), and the router's other hosts keep the path prefixes. With host
 * names configured, a request for a host the router does not know is not routed at all: a name that only points
 * here by accident (or by DNS rebinding) should not reach a service by its prefix.
 */
export class ServiceHosts {
  private readonly byHost = new Map<string, Upstream>();

  constructor(
    settings: ServiceHostSetting[],
    private readonly upstreams: Upstream[],
    /** Whether a host is one of the router's own (allowed names, loopback, IP addresses): see AllowedHosts. */
    private readonly isRouterHost: (host: string | undefined) => boolean,
    /** The router's configured host names (ROUTER_ALLOWED_HOSTS, ROUTER_PUBLIC_URL's), for the unknown host's 404. */
    private readonly routerNames: string[] = [],
  ) {
    for (const { host, service } of settings) {
      const upstream = upstreams.find((u) => u.prefix === `/${service}`);
      if (!upstream)
        throw new Error(`ROUTER_SERVICE_HOSTS: ${host} names no service "${service}" (use ${upstreams.map((u) => u.prefix.slice(1)).join(' or ')})`);
      this.byHost.set(host, upstream);
    }
  }

  /** The host names given to services, for AllowedHosts (they may name the router in URLs it builds). */
  get names(): string[] {
    return [...this.byHost.keys()];
  }

  /** The service whose own host this is, if any. */
  serviceOf(host: string | undefined): Upstream | undefined {
    if (this.byHost.size === 0) return undefined;
    const name = hostName(host);
    return name === undefined ? undefined : this.byHost.get(name);
  }

  /** Whether host routing is on and `host` is none of the router's or the services' hosts. */
  unknown(host: string | undefined): boolean {
    return this.byHost.size > 0 && this.serviceOf(host) === undefined && !this.isRouterHost(host);
  }

  /** The upstream and upstream path of a request, by its host and then by its path's prefix. */
  match(host: string | undefined, url: string): { upstream: Upstream; path: string } | undefined {
    const own = this.serviceOf(host);
    if (own) {
      if (ROUTER_PATHS.has(url.split('?')[0] ?? '')) return undefined;
      const prefixed = matchUpstream([own], url);
      return prefixed ?? { upstream: own, path: url.startsWith('/') ? url : `/${url}` };
    }
    if (this.unknown(host)) return undefined;
    return matchUpstream(this.upstreams, url);
  }

  /** What the 404 for an unknown host says: the known hosts and what each serves. */
  unknownHostMessage(host: string | undefined): string {
    const services = [...this.byHost].map(([name, upstream]) => `${name} (${upstream.service})`);
    const prefixes = this.upstreams.map((u) => `${u.prefix}/mcp`).join(', ');
    const router = this.routerNames.length > 0 ? `; ${this.routerNames.join(', ')} (${prefixes})` : '';
    return `No service for host ${JSON.stringify(hostName(host) ?? '')}. Known hosts: ${services.join(', ')}${router}.`;
  }
}
