export interface Upstream {
  /** The public path prefix, e.g. `/quilt`. */
  prefix: string;
  /** The service name, as in logs, health and metrics. */
  service: string;
  target: URL;
  /**
   * `Bearer <LABMCP_OPS_TOKEN>`, presented to the upstream's `/health` and `/metrics`: a server reached elsewhere
   * than loopback shows their details only to holders of the token (service-kit's ops-access.ts).
   */
  opsAuthorization?: string;
}

export function upstreamsFrom(config: {
  QUILT_MCP_PORT: number;
  BENCHLING_MCP_PORT: number;
  QUILT_MCP_UPSTREAM?: string | undefined;
  BENCHLING_MCP_UPSTREAM?: string | undefined;
  LABMCP_OPS_TOKEN?: string | undefined;
}): Upstream[] {
  const ops = config.LABMCP_OPS_TOKEN === undefined ? {} : { opsAuthorization: `Bearer ${config.LABMCP_OPS_TOKEN}` };
  return [
    { prefix: '/quilt', service: 'quilt-mcp', target: new URL(config.QUILT_MCP_UPSTREAM ?? `http://127.0.0.1:${config.QUILT_MCP_PORT}`), ...ops },
    {
      prefix: '/benchling',
      service: 'benchling-mcp',
      target: new URL(config.BENCHLING_MCP_UPSTREAM ?? `http://127.0.0.1:${config.BENCHLING_MCP_PORT}`),
      ...ops,
    },
  ];
}

/**
 * Who answered an upstream's `/health` when it is not that upstream: the `service` its body names, quoted (or "no
 * service" for a name that is not text), when it names another one; undefined when it names this upstream or none.
 * An upstream setting pointing at the wrong server, or another process on its port: such an answer says nothing of
 * the upstream (not its health, nor which of its tools only read).
 */
export function answeredAsAnother(upstream: Upstream, health: unknown): string | undefined {
  const service = (health as { service?: unknown } | null | undefined)?.service;
  if (service === undefined || service === upstream.service) return undefined;
  return typeof service === 'string' ? JSON.stringify(service.slice(0, 64)) : 'no service';
}

/** The upstream whose prefix is the path's first segment, and the path with that prefix removed. */
export function matchUpstream(upstreams: Upstream[], url: string): { upstream: Upstream; path: string } | undefined {
  for (const upstream of upstreams) {
    const { prefix } = upstream;
    // The prefix, then the end of the URL, `/` or `?` (compared in place: this runs for every request).
    const after = url.charCodeAt(prefix.length);
    if (url.startsWith(prefix) && (Number.isNaN(after) || after === 0x2f || after === 0x3f)) {
      const rest = url.slice(prefix.length);
      return { upstream, path: rest.startsWith('/') ? rest : `/${rest}` };
    }
  }
  return undefined;
}
