import { orExitOnConfigError, runMcpService, startServiceProcess } from '@labmcp/service-kit';
import { createJwtVerifier, jwtSettingsSchema } from '@labmcp/service-kit/auth';
import { quiltAuthenticator } from './auth/http-authenticator.js';
import { createAwsCredentialResolver, S3ClientPool } from './auth/index.js';
import { limitsFrom, localRegistryPath, quiltConfigShape } from './config.js';
import { loadS3Storage } from './quilt/index.js';
import { seedDemoRegistry } from './registry/demo-seed.js';
import { RegistryAccess, type RegistryRef, registryRefs } from './registry/index.js';
import { quiltServerFactory } from './server.js';

const started = await startServiceProcess('quilt-mcp', { ...quiltConfigShape, ...jwtSettingsSchema.shape }, import.meta.url);
const { config, version, logger, metrics } = started;
const localRegistry = localRegistryPath(config);
const registries: RegistryRef[] = await orExitOnConfigError(() => registryRefs(localRegistry, config.QUILT_REGISTRIES), true);
const verifier = await orExitOnConfigError(() => createJwtVerifier(config, { dataDir: config.dataDir, logger }));
// The AWS SDK costs tens of MiB: loaded at start only when an S3 registry is configured (so a broken install fails
// here, and the first S3 call is not slowed), otherwise when something first needs S3 (an s3:// physical key).
if (registries.some((r) => r.kind === 's3')) await loadS3Storage();

if (config.QUILT_SEED_DEMO) {
  try {
    await seedDemoRegistry(localRegistry, logger);
  } catch (err) {
    // The server is still useful without the demo package; say why it is missing.
    logger.error({ err, registry: localRegistry }, 'could not seed the demo package');
  }
}

const pool = new S3ClientPool(config);
const resolver = createAwsCredentialResolver(config, { logger });
const access = new RegistryAccess(registries, { resolver, pool, conditionalWrites: config.QUILT_S3_CONDITIONAL_WRITES, logger });
// Writes that a previous process of this machine left unfinished (killed mid-write) are undone before serving.
await access.sweepLocal();
const limits = limitsFrom(config);

await runMcpService(started, {
  host: config.QUILT_MCP_HOST,
  port: config.QUILT_MCP_PORT,
  factory: quiltServerFactory({ version, logger, metrics, registries, access, limits }),
  maxRequestBodySize: config.QUILT_MCP_MAX_BODY_BYTES,
  keepAliveMs: config.QUILT_MCP_SSE_KEEPALIVE_MS,
  authenticate: quiltAuthenticator(verifier),
  health: () => ({
    auth: { status: 'ok', mode: verifier.mode },
    registries: { status: 'ok', count: registries.length },
    s3Clients: { status: 'ok', count: pool.size },
  }),
  onShutdown: () => access.close(),
});
