import type { IncomingMessage } from 'node:http';
import { hostName, isIpAddress } from '@labmcp/service-kit/service';
import type { TrustedProxies } from './client-address.js';

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * The host names the router answers to: loopback names, `ROUTER_ALLOWED_HOSTS`, and the host of
 * `ROUTER_PUBLIC_URL`. Only these may name the router in a URL it builds (a client's `Host` must not choose
 * where clients are sent for their tokens), and only these, or an IP address, may reach `/health` and
 * `/metrics` (a page that rebinds its DNS name to the router sends that name).
 */
export class AllowedHosts {
  private readonly names: Set<string>;
  readonly firstConfigured: string | undefined;

  constructor(configured: string[], publicUrl: string | undefined) {
    const names = configured.map((h) => hostName(h)).filter((h): h is string => h !== undefined);
    if (publicUrl) names.push(new URL(publicUrl).hostname.toLowerCase());
    this.names = new Set([...LOCAL_NAMES, ...names]);
    this.firstConfigured = configured[0]?.trim().toLowerCase();
  }

  /** Whether `host` (a Host header value) may name the router in a URL it builds. */
  named(host: string | undefined): boolean {
    const name = hostName(host);
    return name !== undefined && this.names.has(name);
  }

  /** Whether a request with this `Host` may see `/health` and `/metrics`: an allowed name or an IP address. */
  reachable(host: string | undefined): boolean {
    const name = hostName(host);
    if (name === undefined) return false;
    return this.names.has(name) || isIpAddress(name);
  }
}

/** The router's AllowedHosts from its settings: ROUTER_ALLOWED_HOSTS, ROUTER_SERVICE_HOSTS' names, ROUTER_PUBLIC_URL's host. */
export function allowedHostsFrom(config: { ROUTER_ALLOWED_HOSTS: string[]; ROUTER_SERVICE_HOSTS: { host: string }[]; ROUTER_PUBLIC_URL?: string | undefined }) {
  return new AllowedHosts([...config.ROUTER_ALLOWED_HOSTS, ...config.ROUTER_SERVICE_HOSTS.map((h) => h.host)], config.ROUTER_PUBLIC_URL);
}

/**
 * The public base URL as the client sees it: `ROUTER_PUBLIC_URL`, or else built from the request, believing
 * `X-Forwarded-Proto` / `-Host` only from a trusted proxy and using a host only if it is allowed (otherwise the
 * first of `ROUTER_ALLOWED_HOSTS`, or `localhost`).
 */
export function publicBaseUrl(req: IncomingMessage, configured: string | undefined, hosts: AllowedHosts, proxies: TrustedProxies): string {
  if (configured) return configured.replace(/\/+$/, '');
  const forwarded = proxies.forwardedBy(req);
  const first = (name: string) => (req.headers[name] as string | undefined)?.split(',')[0]?.trim();
  const proto = (forwarded && first('x-forwarded-proto')) || ('encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');
  const candidate = (forwarded && first('x-forwarded-host')) || req.headers.host;
  const host = hosts.named(candidate) ? candidate!.trim() : (hosts.firstConfigured ?? `localhost${portOf(req)}`);
  return `${proto === 'https' ? 'https' : 'http'}://${host}`;
}

function portOf(req: IncomingMessage): string {
  const port = req.socket.localPort;
  return port === undefined || port === 80 ? '' : `:${port}`;
}
