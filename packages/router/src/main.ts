import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { manageProcess, orExitOnConfigError, runHttpService, startServiceProcess } from '@labmcp/service-kit/service';
import { createRouterApp } from './app.js';
import { routerSettings } from './config.js';
import { allowedHostsFrom } from './hosts.js';
import { startPlainHttp } from './plain-http.js';
import { routerTls, watchCertificates } from './tls.js';

const SERVICE = 'router';
const { config, version, logger, metrics } = await startServiceProcess(SERVICE, routerSettings, import.meta.url);
const tls = await orExitOnConfigError(() => routerTls(config));
if (config.ROUTER_HTTP_PORT !== undefined && !tls) {
  await orExitOnConfigError(() => {
    throw new Error('ROUTER_HTTP_PORT is the plain-HTTP listener beside HTTPS: set ROUTER_TLS_CERT_FILE and ROUTER_TLS_KEY_FILE, or unset it');
  }, true);
}
const app = createRouterApp(config, logger, metrics);
let plain: Server | undefined;
let stopWatching: (() => void) | undefined;

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.ROUTER_HOST,
  port: config.ROUTER_PORT,
  logger,
  metrics,
  maxHeaderSize: config.ROUTER_MAX_HEADER_BYTES,
  headersTimeoutMs: config.ROUTER_HEADERS_TIMEOUT_MS,
  ...(tls && { tls: tls.options }),
  ...app.serviceHooks,
  onShutdown: async () => {
    stopWatching?.();
    plain?.close();
    plain?.closeAllConnections();
    await app.serviceHooks.onShutdown();
  },
});
app.trackConnections(service.server);
if (tls) {
  stopWatching = watchCertificates(service.server as HttpsServer, tls, config.ROUTER_TLS_RELOAD_INTERVAL_MS, logger, metrics.registry);
  if (config.ROUTER_HTTP_PORT !== undefined) {
    const publicUrl = config.ROUTER_PUBLIC_URL ? new URL(config.ROUTER_PUBLIC_URL) : undefined;
    plain = await startPlainHttp(
      {
        host: config.ROUTER_HOST,
        port: config.ROUTER_HTTP_PORT,
        mode: config.ROUTER_HTTP_MODE,
        httpsPort: publicUrl ? Number(publicUrl.port || 443) : config.ROUTER_PORT,
        publicHost: publicUrl?.hostname,
        hosts: allowedHostsFrom(config),
        headersTimeoutMs: config.ROUTER_HEADERS_TIMEOUT_MS,
        maxHeaderSize: config.ROUTER_MAX_HEADER_BYTES,
      },
      logger,
    );
  }
}
manageProcess(service, logger);
