import { orExitOnConfigError, runMcpService, startServiceProcess } from '@labmcp/service-kit';
import { type AuthErrorReason, createJwtVerifier, jwtSettingsSchema } from '@labmcp/service-kit/auth';
import { BenchlingClient } from './benchling/client.js';
import { benchlingBaseUrl, benchlingSettings, clientSettingsFrom, toolSettingsFrom } from './config.js';
import { LookupCache } from './context.js';
import { keyResolver, usesJwt } from './keys.js';
import { benchlingServerFactory } from './server.js';
import { ServiceKey } from './service-key.js';
import { SecretNames } from './vault/names.js';
import { createKeyStore, setHintFor } from './vault/settings.js';
import { VaultKeys } from './vault/vault-keys.js';

const started = await startServiceProcess('benchling-mcp', { ...benchlingSettings, ...jwtSettingsSchema.shape }, import.meta.url);
const { config, version, logger, metrics } = started;
const { url: baseUrl, sandbox } = benchlingBaseUrl(config);
// The JWT verifier only matters where a key is chosen by the caller's verified identity (service or vault keys).
const keyMode = config.BENCHLING_KEY_MODE;
const verifier = usesJwt(keyMode) ? await orExitOnConfigError(() => createJwtVerifier(config, { dataDir: config.dataDir, logger })) : undefined;
if (sandbox) logger.warn({ baseUrl }, 'BENCHLING_URL is unset: using the bundled Benchling sandbox (demo data)');

const clientSettings = clientSettingsFrom(config);
const client = new BenchlingClient({
  baseUrl,
  ...clientSettings,
  logger,
  // Benchling refusing a key is an authentication failure like any other, for the dashboards.
  onKeyRejected: () => metrics.authFailures.inc({ reason: 'key_rejected' satisfies AuthErrorReason }),
});
const serviceKey = await orExitOnConfigError(() => new ServiceKey({ value: config.BENCHLING_API_KEY, file: config.BENCHLING_API_KEY_FILE }, logger), true);
const vault = keyMode === 'vault' || keyMode === 'user-or-vault' ? await orExitOnConfigError(openVault, true) : undefined;
const authenticate = await orExitOnConfigError(
  () =>
    keyResolver({
      mode: keyMode,
      serviceKey,
      verifier,
      vault: vault && { keys: vault, userClaim: config.BENCHLING_VAULT_USER_CLAIM },
      rejectedLately: (key) => client.keyRejectedRecently(key),
    }),
  true,
);

async function openVault(): Promise<VaultKeys> {
  const store = await createKeyStore(config);
  logger.info(
    {
      vault: { store: store.kind, location: store.location, userClaim: config.BENCHLING_VAULT_USER_CLAIM, nameTemplate: config.BENCHLING_VAULT_NAME_TEMPLATE },
    },
    'Benchling keys come from the key vault',
  );
  return new VaultKeys({
    store,
    names: new SecretNames(config.BENCHLING_VAULT_NAME_TEMPLATE),
    cacheTtlMs: config.BENCHLING_VAULT_CACHE_TTL_MS,
    cacheMaxEntries: config.BENCHLING_VAULT_CACHE_SIZE,
    logger,
    registry: metrics.registry,
    rejectedLately: (key) => client.keyRejectedRecently(key),
    setHint: setHintFor(store),
  });
}
const toolSettings = toolSettingsFrom(config);
logger.info({ benchling: { baseUrl, keyMode, ...clientSettings, ...toolSettings } }, 'Benchling client settings');

await runMcpService(started, {
  host: config.BENCHLING_MCP_HOST,
  port: config.BENCHLING_MCP_PORT,
  factory: benchlingServerFactory({ version, logger, metrics, client, settings: toolSettings, cache: new LookupCache(toolSettings.cacheTtlMs) }),
  maxRequestBodySize: config.BENCHLING_MCP_MAX_BODY_BYTES,
  keepAliveMs: config.BENCHLING_MCP_SSE_KEEPALIVE_MS,
  authenticate,
  health: () => {
    const pace = client.pacer.state();
    return {
      benchling: {
        status: 'ok',
        url: baseUrl,
        sandbox,
        rateLimit: { limit: pace.limit ?? null, remaining: pace.remaining ?? null, resetInMs: pace.resetAt ? Math.max(0, pace.resetAt - Date.now()) : null },
      },
      // In the vault modes, `degraded` while the latest lookup that reached the store failed: callers' own keys
      // (user-or-vault) and cached ones still work, so the process stays up (200) but operators see the store down.
      keys: vault ? { ...vault.health(), mode: keyMode, store: vault.store.kind } : { status: 'ok', mode: keyMode },
    };
  },
  onShutdown: () => vault?.store.close(),
});
