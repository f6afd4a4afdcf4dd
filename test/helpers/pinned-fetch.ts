import { Agent, fetch as undiciFetch } from 'undici';

export interface PinnedFetch {
  /** A `fetch` for the MCP clients' transports (their `fetch` option) and for plain requests. */
  fetch: typeof globalThis.fetch;
  close: () => Promise<void>;
}

/**
 * A `fetch` whose connections all go to 127.0.0.1, whatever host name the URL has: tests reach the router under
 * the names it routes by (`http://quilt.labmcp.test:<port>/mcp`) without DNS, and the request carries that name
 * as its `Host` (and TLS server name), exactly as a client of a real deployment would send it. `ca` trusts a
 * test's own certificate; `allowH2` offers HTTP/2 by ALPN.
 */
export function pinnedFetch(options: { ca?: string | Buffer; allowH2?: boolean } = {}): PinnedFetch {
  const agent = new Agent({
    allowH2: options.allowH2 ?? false,
    connect: {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      lookup: (_hostname, opts, callback) => {
        if ((opts as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }] as never, 4);
        else callback(null, '127.0.0.1', 4);
      },
    },
  });
  const fetch = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof globalThis.fetch;
  return { fetch, close: () => agent.close() };
}
