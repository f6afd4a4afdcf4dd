import { createLogger, createMcpEndpoint, createMetrics, loadConfigOrExit, manageProcess, mcpRoute, packageVersion, runHttpService } from '@labmcp/service-kit';
import { createJwtVerifier, jwtSettingsSchema } from '@labmcp/service-kit/auth';
import { localRegistryPath, quiltSettings } from './config.js';
import { quiltAuthenticator } from './http-auth.js';
import { registryRefs } from './registries.js';
import { quiltServerFactory } from './server.js';

const SERVICE = 'quilt-mcp';
const config = loadConfigOrExit({ ...quiltSettings, ...jwtSettingsSchema.shape });
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE, config.LOG_LEVEL);
const metrics = createMetrics(SERVICE);
const registries = registryRefs(localRegistryPath(config), config.QUILT_REGISTRIES);
const verifier = await createJwtVerifier(config, { dataDir: config.dataDir, logger });

const endpoint = createMcpEndpoint(quiltServerFactory({ version, logger, metrics, registries }), {
  maxRequestBodySize: config.QUILT_MCP_MAX_BODY_BYTES,
  keepAliveMs: config.QUILT_MCP_SSE_KEEPALIVE_MS,
  onerror: (err) => logger.warn({ err }, 'MCP request error'),
});

const service = await runHttpService({
  service: SERVICE,
  version,
  host: config.QUILT_MCP_HOST,
  port: config.QUILT_MCP_PORT,
  logger,
  metrics,
  handler: mcpRoute({ endpoint, metrics, authenticate: quiltAuthenticator(verifier) }),
  health: () => ({
    auth: { status: 'ok', mode: verifier.mode },
    registries: { status: 'ok', count: registries.length },
  }),
  onShutdown: () => endpoint.close(),
});
manageProcess(service, logger);
