// The floor for a Node.js hop: a bare reverse proxy (node:http, keep-alive agent, prefix strip, pipe both ways)
// with none of the router's features (no logging, metrics, rate limit, body buffering, header policy).
// node --import=tsx scripts/bench/lib/bare-proxy.ts <port> <quilt port>
import { Agent, createServer, type OutgoingHttpHeaders, request } from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
if (!port || !upstreamPort) {
  process.stderr.write('usage: bare-proxy.ts <port> <quilt port>\n');
  process.exit(2);
}
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding'];
const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: 'lifo' });

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (!url.startsWith('/quilt/')) {
    res.writeHead(404).end();
    return;
  }
  const headers: OutgoingHttpHeaders = { ...req.headers };
  for (const h of HOP_BY_HOP) delete headers[h];
  const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: url.slice('/quilt'.length), headers, agent }, (upstreamRes) => {
    const out: OutgoingHttpHeaders = { ...upstreamRes.headers };
    for (const h of HOP_BY_HOP) delete out[h];
    res.writeHead(upstreamRes.statusCode ?? 502, out);
    upstreamRes.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on('connection', (socket) => socket.setNoDelay(true));
server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  agent.destroy();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
