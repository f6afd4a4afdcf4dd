import { createLogger, createMetrics, loadConfigOrExit, manageProcess, packageVersion, runHttpService, startTracing } from '@labmcp/service-kit/service';
import { createRouterApp } from './app.js';
import { routerSettings } from './config.js';

const SERVICE = 'router';
const config = loadConfigOrExit(routerSettings);
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE, config.LOG_LEVEL);
await startTracing({ service: SERVICE, version, logger });
const metrics = createMetrics(SERVICE);
const app = createRouterApp(config, logger, metrics);

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.ROUTER_HOST,
  port: config.ROUTER_PORT,
  logger,
  metrics,
  maxHeaderSize: config.ROUTER_MAX_HEADER_BYTES,
  headersTimeoutMs: config.ROUTER_HEADERS_TIMEOUT_MS,
  ...app.serviceHooks,
});
app.trackConnections(service.server);
manageProcess(service, logger);
