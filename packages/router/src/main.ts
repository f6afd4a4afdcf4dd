import { createLogger, createMetrics, loadConfigOrExit, manageProcess, packageVersion, runHttpService, sendJson } from '@labmcp/service-kit';
import { routerSettings } from './config.js';
import { probeUpstreams } from './health.js';
import { createProxy } from './proxy.js';
import { matchUpstream, upstreamsFrom } from './upstreams.js';

const SERVICE = 'router';
const config = loadConfigOrExit(routerSettings);
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE, config.LOG_LEVEL);
const metrics = createMetrics(SERVICE);
const upstreams = upstreamsFrom(config);
const proxy = createProxy(logger, {
  upstreamTimeoutMs: config.ROUTER_UPSTREAM_TIMEOUT_MS,
  retryAfterSeconds: config.ROUTER_RETRY_AFTER_SECONDS,
  credentials: { forwardBearerToBenchling: config.BENCHLING_KEY_MODE !== 'user' },
});

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.ROUTER_HOST,
  port: config.ROUTER_PORT,
  logger,
  metrics,
  routeOf: (req) => {
    const match = matchUpstream(upstreams, req.url ?? '/');
    return match ? match.upstream.service : (req.url ?? '/').split('?')[0] === '/health' ? '/health' : 'other';
  },
  handler: (req, res, ctx) => {
    const match = matchUpstream(upstreams, req.url ?? '/');
    if (!match) {
      sendJson(res, 404, { error: 'not_found', message: `No service at ${(req.url ?? '/').split('?')[0]}; use ${upstreams.map((u) => `${u.prefix}/mcp`).join(' or ')}` });
      return;
    }
    proxy.forward(req, res, match.upstream, match.path, ctx.requestId);
  },
  health: () => probeUpstreams(upstreams, config.ROUTER_HEALTH_TIMEOUT_MS),
  onShutdown: () => proxy.close(),
});
manageProcess(service, logger);
