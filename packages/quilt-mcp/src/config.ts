import path from 'node:path';
import { flag, list, port, positiveInt } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltAwsSettingsSchema } from './auth/index.js';

const GIB = 1024 * 1024 * 1024;

export const quiltSettings = {
  QUILT_MCP_PORT: port(3000),
  QUILT_MCP_HOST: z.string().default('127.0.0.1'),
  /** Extra registries, comma-separated `s3://bucket` or `file:///abs/path`; the local default is always first. */
  QUILT_REGISTRIES: list(),
  /** The embedded local registry; default `<LABMCP_DATA_DIR>/quilt-registry`. */
  QUILT_LOCAL_REGISTRY: z.string().optional(),
  QUILT_MCP_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024, 64 * 1024 * 1024),
  QUILT_MCP_SSE_KEEPALIVE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  /** Seed the local registry with the demo package `demo/cells` on first start. */
  QUILT_SEED_DEMO: flag(true),
  /**
   * S3 conditional writes (If-None-Match / If-Match): `auto` probes each bucket once per process; `on` and
   * `off` skip the probe. Without them, pointer claims and latest moves are atomic only within one process.
   */
  QUILT_S3_CONDITIONAL_WRITES: z.enum(['auto', 'on', 'off']).default('auto'),
  /** `search`: packages whose latest manifest is read per call (names beyond it still match by name). */
  QUILT_SEARCH_MAX_PACKAGES: positiveInt(100, 10_000),
  /** `search`: manifest entries examined per call, over all packages. */
  QUILT_SEARCH_MAX_ENTRIES: positiveInt(200_000, 10_000_000),
  /** `search`: wall-clock budget per call; what was scanned by then is ranked. */
  QUILT_SEARCH_TIMEOUT_MS: positiveInt(15_000, 300_000),
  /** `package_create` / `package_update`: bytes hashed per call. */
  QUILT_HASH_MAX_BYTES: positiveInt(20 * GIB, 10_000 * GIB),
  /** `package_verify` with `check_files`: bytes hashed per call; files past it are reported as skipped. */
  QUILT_VERIFY_MAX_BYTES: positiveInt(20 * GIB, 10_000 * GIB),
  /** `package_create` / `package_update`: entries per new revision built from object listings. */
  QUILT_CREATE_MAX_ENTRIES: positiveInt(10_000, 1_000_000),
  /** `package_create` / `package_update`: total bytes of inline text per call. */
  QUILT_INLINE_MAX_BYTES: positiveInt(1024 * 1024, 16 * 1024 * 1024),
  /** `bucket_object_link`: the longest expiry a caller may ask for (SigV4 allows at most 7 days). */
  QUILT_PRESIGN_MAX_SECONDS: positiveInt(3600, 7 * 24 * 3600),
};

/** Everything the Quilt server reads from the environment (its own settings plus the per-user AWS ones). */
export const quiltConfigShape = { ...quiltSettings, ...quiltAwsSettingsSchema.shape };

export function localRegistryPath(config: { QUILT_LOCAL_REGISTRY?: string | undefined; dataDir: string }): string {
  return path.resolve(config.QUILT_LOCAL_REGISTRY ?? path.join(config.dataDir, 'quilt-registry'));
}

/** The limits tools enforce, from the settings. */
export interface QuiltLimits {
  searchMaxPackages: number;
  searchMaxEntries: number;
  searchTimeoutMs: number;
  hashMaxBytes: number;
  verifyMaxBytes: number;
  createMaxEntries: number;
  inlineMaxBytes: number;
  presignMaxSeconds: number;
}

export function limitsFrom(config: {
  QUILT_SEARCH_MAX_PACKAGES: number;
  QUILT_SEARCH_MAX_ENTRIES: number;
  QUILT_SEARCH_TIMEOUT_MS: number;
  QUILT_HASH_MAX_BYTES: number;
  QUILT_VERIFY_MAX_BYTES: number;
  QUILT_CREATE_MAX_ENTRIES: number;
  QUILT_INLINE_MAX_BYTES: number;
  QUILT_PRESIGN_MAX_SECONDS: number;
}): QuiltLimits {
  return {
    searchMaxPackages: config.QUILT_SEARCH_MAX_PACKAGES,
    searchMaxEntries: config.QUILT_SEARCH_MAX_ENTRIES,
    searchTimeoutMs: config.QUILT_SEARCH_TIMEOUT_MS,
    hashMaxBytes: config.QUILT_HASH_MAX_BYTES,
    verifyMaxBytes: config.QUILT_VERIFY_MAX_BYTES,
    createMaxEntries: config.QUILT_CREATE_MAX_ENTRIES,
    inlineMaxBytes: config.QUILT_INLINE_MAX_BYTES,
    presignMaxSeconds: config.QUILT_PRESIGN_MAX_SECONDS,
  };
}

export const DEFAULT_LIMITS: QuiltLimits = limitsFrom(z.object(quiltSettings).parse({}));
