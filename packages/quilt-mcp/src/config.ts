import path from 'node:path';
import { z } from 'zod';
import { list, port, positiveInt } from '@labmcp/service-kit';

export const quiltSettings = {
  QUILT_MCP_PORT: port(3000),
  QUILT_MCP_HOST: z.string().default('127.0.0.1'),
  /** Extra registries, comma-separated `s3://bucket` or `file:///abs/path`; the local default is always first. */
  QUILT_REGISTRIES: list(),
  /** The embedded local registry; default `<LABMCP_DATA_DIR>/quilt-registry`. */
  QUILT_LOCAL_REGISTRY: z.string().optional(),
  QUILT_MCP_MAX_BODY_BYTES: positiveInt(4 * 1024 * 1024, 64 * 1024 * 1024),
  QUILT_MCP_SSE_KEEPALIVE_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
};

export function localRegistryPath(config: { QUILT_LOCAL_REGISTRY?: string | undefined; dataDir: string }): string {
  return path.resolve(config.QUILT_LOCAL_REGISTRY ?? path.join(config.dataDir, 'quilt-registry'));
}
