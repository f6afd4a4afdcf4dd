import { createHash } from 'node:crypto';
import type { Logger } from '@labmcp/service-kit';
import { LRUCache } from 'lru-cache';
import { type CatalogCredentials, fetchCatalogCredentials } from './catalog-exchange.js';
import type { QuiltAwsSettings } from './settings.js';
import { AwsCredentialsError, type CredentialSubject, type ResolvedAwsCredentials } from './types.js';

type ResolverSettings = Pick<QuiltAwsSettings, 'QUILT_REGISTRY_URL' | 'QUILT_ALLOW_SERVICE_AWS_IDENTITY' | 'QUILT_CREDENTIALS_TIMEOUT_MS'>;

export interface AwsCredentialResolverOptions {
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** Distinct (user, token) pairs kept; the oldest is dropped beyond that. */
  maxEntries?: number;
  /** Refresh this long before expiry, as quilt3 does, so no request starts with credentials about to lapse. */
  refreshMarginMs?: number;
  fetch?: typeof fetch;
}

export interface AwsCredentialResolver {
  resolve(principal: CredentialSubject, bearerToken: string | undefined): Promise<ResolvedAwsCredentials>;
  /** Cached exchanges (for health and tests). */
  readonly size: number;
  clear(): void;
}

const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** Past its refresh time, a cached credential is still served if the catalog is down, but never this close to expiry. */
const STALE_FLOOR_MS = 30_000;

/**
 * Per-user AWS credentials, from the first source that applies:
 *   1. the token's `aws_credentials` claim;
 *   2. the Quilt catalog credential exchange, when QUILT_REGISTRY_URL is set;
 *   3. the container's own identity, only when QUILT_ALLOW_SERVICE_AWS_IDENTITY is on;
 * and otherwise an AwsCredentialsError. A failing exchange is reported as such and never falls through to the
 * service identity: that would silently give the user the service's access.
 */
export function createAwsCredentialResolver(settings: ResolverSettings, options: AwsCredentialResolverOptions = {}): AwsCredentialResolver {
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  const logger = options.logger;
  // Entries live until the credentials expire (lru-cache drops them then, on its own clock = ours); whether they
  // are still fresh enough to hand out is decided by `refreshAt`.
  const cache = new LRUCache<string, CatalogCredentials & { refreshAt: number }>({
    max: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
    ttlAutopurge: false,
    perf: { now },
    // lru-cache otherwise reuses one clock reading for 1 ms; read the (injectable) clock every time instead.
    ttlResolution: 0,
  });
  const inFlight = new Map<string, Promise<CatalogCredentials & { refreshAt: number }>>();

  async function exchange(key: string, principal: CredentialSubject, bearerToken: string, registryUrl: string) {
    const started = now();
    const fetched = await fetchCatalogCredentials(registryUrl, bearerToken, {
      timeoutMs: settings.QUILT_CREDENTIALS_TIMEOUT_MS,
      now,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const lifetime = fetched.expiresAt.getTime() - started;
    // Short-lived credentials (under twice the margin) are refreshed at half-life instead.
    const refreshAt = fetched.expiresAt.getTime() - Math.min(margin, lifetime / 2);
    const entry = { ...fetched, refreshAt };
    const ttl = fetched.expiresAt.getTime() - now();
    if (ttl > 0) cache.set(key, entry, { ttl });
    logger?.debug(
      { userId: principal.userId, tokenFingerprint: key.slice(-12), accessKeyId: fetched.credentials.accessKeyId, expiresAt: fetched.expiresAt.toISOString() },
      'AWS credentials from the Quilt catalog',
    );
    return entry;
  }

  return {
    get size() {
      return cache.size;
    },
    clear() {
      cache.clear();
    },
    async resolve(principal, bearerToken) {
      if (principal.awsCredentials) {
        return {
          source: 'token-claim',
          credentials: principal.awsCredentials,
          ...(principal.tokenExpiresAt ? { expiresAt: principal.tokenExpiresAt } : {}),
        };
      }
      const registryUrl = settings.QUILT_REGISTRY_URL;
      if (registryUrl) {
        if (!bearerToken) {
          throw new AwsCredentialsError(
            'no_credentials',
            `No AWS credentials for user ${principal.userId}: the Quilt catalog exchange needs the caller's token.`,
          );
        }
        const key = cacheKey(principal.userId, bearerToken);
        const cached = cache.get(key);
        if (cached && now() < cached.refreshAt) return catalogResult(cached);

        let pending = inFlight.get(key);
        if (!pending) {
          pending = exchange(key, principal, bearerToken, registryUrl).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        try {
          return catalogResult(await pending);
        } catch (err) {
          // A catalog hiccup should not fail requests while the credentials we hold are still good.
          if (cached && now() < cached.expiresAt.getTime() - STALE_FLOOR_MS) {
            logger?.warn(
              { userId: principal.userId, code: (err as AwsCredentialsError).code, expiresAt: cached.expiresAt.toISOString() },
              'AWS credential refresh failed; using the current credentials until they expire',
            );
            return catalogResult(cached);
          }
          throw err;
        }
      }
      if (settings.QUILT_ALLOW_SERVICE_AWS_IDENTITY) return { source: 'service-identity' };
      throw new AwsCredentialsError(
        'no_credentials',
        `No AWS credentials are available for user ${principal.userId}: the token carries no aws_credentials claim, ` +
          'no Quilt catalog is configured for a credential exchange (QUILT_REGISTRY_URL), and this server does not lend its own AWS identity (QUILT_ALLOW_SERVICE_AWS_IDENTITY).',
      );
    },
  };
}

function catalogResult(entry: CatalogCredentials): ResolvedAwsCredentials {
  return { source: 'catalog', credentials: entry.credentials, expiresAt: entry.expiresAt };
}

/**
 * One entry per user and token: a new token (new login) gets fresh credentials. The token is hashed so neither
 * the cache nor anything that logs a key ever holds it.
 */
function cacheKey(userId: string, bearerToken: string): string {
  return `${userId}\u0000${createHash('sha256').update(bearerToken).digest('hex')}`;
}

const defaultResolvers = new WeakMap<object, AwsCredentialResolver>();

/**
 * Convenience form of `createAwsCredentialResolver(settings).resolve(...)`: one resolver (and so one cache) per
 * settings object, so passing the service's config object on every call shares the cache.
 */
export function resolveAwsCredentials(
  principal: CredentialSubject,
  bearerToken: string | undefined,
  settings: ResolverSettings,
): Promise<ResolvedAwsCredentials> {
  let resolver = defaultResolvers.get(settings);
  if (!resolver) {
    resolver = createAwsCredentialResolver(settings);
    defaultResolvers.set(settings, resolver);
  }
  return resolver.resolve(principal, bearerToken);
}
