import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeaderProxy {
  url: string;
  close: () => Promise<void>;
}

/**
 * A test-only loopback proxy that adds fixed request headers (our servers' credentials) to everything it forwards
 * to `target` (a base URL whose path is prefixed), for clients that cannot send headers of their own, such as the
 * MCP conformance suite. Everything else passes untouched both ways, Host and Origin included (the suite's
 * DNS-rebinding checks depend on that), and responses stream (SSE).
 */
export async function startHeaderProxy(target: string, headers: Record<string, string>): Promise<HeaderProxy> {
  const base = new URL(target);
  const prefix = base.pathname.replace(/\/+$/, '');
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: `${prefix}${req.url ?? '/'}`, headers: { ...req.headers, ...headers }, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`header proxy: ${err.message}`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
