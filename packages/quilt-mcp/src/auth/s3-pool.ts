import { createHash } from 'node:crypto';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import { loadS3Sdk } from '../quilt/aws-sdk.js';
import { traceS3Requests } from './s3-tracing.js';
import type { QuiltAwsSettings } from './settings.js';
import type { AwsCredentials, ResolvedAwsCredentials } from './types.js';

const MAX_CLIENT_TTL_MS = 60 * 60_000;

type PoolSettings = Pick<QuiltAwsSettings, 'AWS_REGION' | 'AWS_ENDPOINT_URL' | 'QUILT_S3_FORCE_PATH_STYLE'>;

export interface S3ClientPoolOptions {
  /** Distinct credentials with a live client; the least recently used is dropped beyond that. */
  maxClients?: number;
  /** Lifetime of a client whose credentials carry no expiry. */
  defaultTtlMs?: number;
  /**
   * A dropped client is destroyed (its sockets closed) only after this delay, so requests still running on it
   * finish; dropping happens on expiry or when the pool is full, not when its last user is done.
   */
  destroyGraceMs?: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

/**
 * One S3Client per distinct credential, so requests never run under someone else's identity and the SDK's
 * connection pool is reused across a user's requests. Clients live no longer than their credentials.
 */
export class S3ClientPool {
  private readonly clients: LRUCache<string, S3Client>;
  private serviceClient: S3Client | undefined;
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  private readonly destroyGraceMs: number;
  private readonly pendingDestroy = new Map<NodeJS.Timeout, S3Client>();
  private closing = false;

  constructor(
    private readonly settings: PoolSettings,
    options: S3ClientPoolOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs ?? 15 * 60_000;
    this.destroyGraceMs = options.destroyGraceMs ?? 30_000;
    this.clients = new LRUCache<string, S3Client>({
      max: options.maxClients ?? 200,
      perf: { now: this.now },
      // lru-cache otherwise reuses one clock reading for 1 ms; read the (injectable) clock every time instead.
      ttlResolution: 0,
      ttlAutopurge: true,
      dispose: (client) => this.retire(client),
    });
  }

  /**
   * The client for these credentials; the container's own identity gets one shared default-chain client. The AWS
   * SDK is loaded here, at the first client, not at start (a server of local registries never needs it).
   */
  async clientFor(resolved: ResolvedAwsCredentials): Promise<S3Client> {
    const { S3Client } = await loadS3Sdk();
    if (resolved.source === 'service-identity') {
      // No credentials given: the SDK's default provider chain (env, web identity, ECS/EC2 roles) finds and refreshes them.
      this.serviceClient ??= traceS3Requests(new S3Client(this.baseConfig()));
      return this.serviceClient;
    }
    const key = credentialKey(resolved.credentials);
    const existing = this.clients.get(key);
    if (existing) return existing;
    const expiresAt = resolved.expiresAt?.getTime();
    const client = traceS3Requests(
      new S3Client({
        ...this.baseConfig(),
        credentials: { ...resolved.credentials, ...(expiresAt === undefined ? {} : { expiration: new Date(expiresAt) }) },
      }),
    );
    // Never cached past the credentials' expiry (a client for credentials about to lapse lives a second), nor past
    // MAX_CLIENT_TTL_MS: a far-off expiry (a long-lived token's claim) must not become an overflowing timer.
    const ttl = Math.min(MAX_CLIENT_TTL_MS, expiresAt === undefined ? this.defaultTtlMs : Math.max(1000, expiresAt - this.now()));
    this.clients.set(key, client, { ttl });
    return client;
  }

  get size(): number {
    return this.clients.size + (this.serviceClient ? 1 : 0);
  }

  /** Destroys every client now, including those waiting out their grace period (shutdown). */
  close(): void {
    for (const [timer, client] of this.pendingDestroy) {
      clearTimeout(timer);
      client.destroy();
    }
    this.pendingDestroy.clear();
    this.closing = true;
    this.clients.clear(); // disposes, and so destroys, each client
    this.closing = false;
    this.serviceClient?.destroy();
    this.serviceClient = undefined;
  }

  private baseConfig(): S3ClientConfig {
    return {
      region: this.settings.AWS_REGION,
      // S3-compatible servers: checksums only where the operation requires one. By default the SDK sends every
      // upload with aws-chunked encoding and a CRC trailer, which AWS understands but some compatible servers
      // (s3rver among them) store verbatim, corrupting the object.
      ...(this.settings.AWS_ENDPOINT_URL
        ? {
            endpoint: this.settings.AWS_ENDPOINT_URL,
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
      forcePathStyle: this.settings.QUILT_S3_FORCE_PATH_STYLE,
      // Quilt registries often span buckets in several regions; follow S3's redirect instead of failing.
      followRegionRedirects: true,
    };
  }

  private retire(client: S3Client): void {
    if (this.destroyGraceMs <= 0 || this.closing) {
      client.destroy();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingDestroy.delete(timer);
      client.destroy();
    }, this.destroyGraceMs);
    timer.unref();
    this.pendingDestroy.set(timer, client);
  }
}

/** Hash of the whole credential: clients are told apart by secret and session too, not just the key id. */
function credentialKey(credentials: AwsCredentials): string {
  return createHash('sha256')
    .update(credentials.accessKeyId)
    .update('\u0000')
    .update(credentials.secretAccessKey)
    .update('\u0000')
    .update(credentials.sessionToken ?? '')
    .digest('hex');
}
