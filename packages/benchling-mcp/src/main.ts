import {
  createLogger,
  createMcpEndpoint,
  createMetrics,
  loadConfigOrExit,
  manageProcess,
  mcpRoute,
  orExitOnConfigError,
  packageVersion,
  runHttpService,
} from '@labmcp/service-kit';
import { type AuthErrorReason, createJwtVerifier, jwtSettingsSchema } from '@labmcp/service-kit/auth';
import { BenchlingClient } from './benchling/client.js';
import { benchlingBaseUrl, benchlingSettings, clientSettingsFrom, toolSettingsFrom } from './config.js';
import { LookupCache } from './context.js';
import { keyResolver } from './keys.js';
import { benchlingServerFactory } from './server.js';

const SERVICE = 'benchling-mcp';
const config = loadConfigOrExit({ ...benchlingSettings, ...jwtSettingsSchema.shape });
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE, config.LOG_LEVEL);
const metrics = createMetrics(SERVICE);
const { url: baseUrl, sandbox } = benchlingBaseUrl(config);
// The JWT verifier only matters where the shared service key may be used.
const verifier =
  config.BENCHLING_KEY_MODE === 'user' ? undefined : await orExitOnConfigError(() => createJwtVerifier(config, { dataDir: config.dataDir, logger }));
if (sandbox) logger.warn({ baseUrl }, 'BENCHLING_URL is unset: using the bundled Benchling sandbox (demo data)');

const clientSettings = clientSettingsFrom(config);
const client = new BenchlingClient({
  baseUrl,
  ...clientSettings,
  logger,
  // Benchling refusing a key is an authentication failure like any other, for the dashboards.
  onKeyRejected: () => metrics.authFailures.inc({ reason: 'key_rejected' satisfies AuthErrorReason }),
});
const authenticate = await orExitOnConfigError(
  () =>
    keyResolver({ mode: config.BENCHLING_KEY_MODE, serviceKey: config.BENCHLING_API_KEY, verifier, rejectedLately: (key) => client.keyRejectedRecently(key) }),
  true,
);
const toolSettings = toolSettingsFrom(config);
logger.info({ benchling: { baseUrl, keyMode: config.BENCHLING_KEY_MODE, ...clientSettings, ...toolSettings } }, 'Benchling client settings');

const endpoint = createMcpEndpoint(
  benchlingServerFactory({ version, logger, metrics, client, settings: toolSettings, cache: new LookupCache(toolSettings.cacheTtlMs) }),
  {
    maxRequestBodySize: config.BENCHLING_MCP_MAX_BODY_BYTES,
    keepAliveMs: config.BENCHLING_MCP_SSE_KEEPALIVE_MS,
    answerCacheEntries: config.LABMCP_MCP_ANSWER_CACHE,
    sharedToolCalls: config.LABMCP_MCP_SHARED_SERVER,
    onerror: (err) => logger.warn({ err }, 'MCP request error'),
  },
);

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.BENCHLING_MCP_HOST,
  port: config.BENCHLING_MCP_PORT,
  logger,
  metrics,
  handler: mcpRoute({ endpoint, metrics, authenticate }),
  health: () => {
    const pace = client.pacer.state();
    return {
      benchling: {
        status: 'ok',
        url: baseUrl,
        sandbox,
        rateLimit: { limit: pace.limit ?? null, remaining: pace.remaining ?? null, resetInMs: pace.resetAt ? Math.max(0, pace.resetAt - Date.now()) : null },
      },
      keys: { status: 'ok', mode: config.BENCHLING_KEY_MODE },
    };
  },
  onShutdown: () => endpoint.close(),
});
manageProcess(service, logger);
