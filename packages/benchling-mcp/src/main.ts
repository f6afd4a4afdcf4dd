import { createLogger, createMcpEndpoint, createMetrics, loadConfigOrExit, manageProcess, mcpRoute, packageVersion, runHttpService } from '@labmcp/service-kit';
import { createJwtVerifier, jwtSettingsSchema } from '@labmcp/service-kit/auth';
import { benchlingBaseUrl, benchlingSettings } from './config.js';
import { keyResolver } from './keys.js';
import { benchlingServerFactory } from './server.js';

const SERVICE = 'benchling-mcp';
const config = loadConfigOrExit({ ...benchlingSettings, ...jwtSettingsSchema.shape });
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE, config.LOG_LEVEL);
const metrics = createMetrics(SERVICE);
const { url: baseUrl, sandbox } = benchlingBaseUrl(config);
// The JWT verifier only matters where the shared service key may be used.
const verifier = config.BENCHLING_KEY_MODE === 'user' ? undefined : await createJwtVerifier(config, { dataDir: config.dataDir, logger });

let authenticate;
try {
  authenticate = keyResolver({ mode: config.BENCHLING_KEY_MODE, serviceKey: config.BENCHLING_API_KEY, verifier });
} catch (err) {
  process.stderr.write(`Invalid configuration:\n  - ${(err as Error).message}\n`);
  process.exit(78);
}
if (sandbox) logger.warn({ baseUrl }, 'BENCHLING_URL is unset: using the bundled Benchling sandbox (demo data)');

const endpoint = createMcpEndpoint(benchlingServerFactory({ version, logger, metrics, baseUrl }), {
  maxRequestBodySize: config.BENCHLING_MCP_MAX_BODY_BYTES,
  keepAliveMs: config.BENCHLING_MCP_SSE_KEEPALIVE_MS,
  onerror: (err) => logger.warn({ err }, 'MCP request error'),
});

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.BENCHLING_MCP_HOST,
  port: config.BENCHLING_MCP_PORT,
  logger,
  metrics,
  handler: mcpRoute({ endpoint, metrics, authenticate }),
  health: () => ({
    benchling: { status: 'ok', url: baseUrl, sandbox },
    keys: { status: 'ok', mode: config.BENCHLING_KEY_MODE },
  }),
  onShutdown: () => endpoint.close(),
});
manageProcess(service, logger);
