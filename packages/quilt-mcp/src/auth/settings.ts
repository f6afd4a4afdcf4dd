import { flag, httpUrlSetting, positiveInt } from '@labmcp/service-kit';
import { z } from 'zod';

function httpUrl(what: string) {
  return httpUrlSetting(`must be an http(s) URL (${what})`)
    .transform((v) => v.replace(/\/+$/, ''))
    .optional();
}

/** Where each user's AWS credentials come from, and how S3 is reached with them. */
export const quiltAwsSettingsSchema = z.object({
  /** The Quilt catalog's registry (API) URL; enables the per-user credential exchange `/api/auth/get_credentials`. */
  QUILT_REGISTRY_URL: httpUrl('the Quilt registry API, e.g. https://registry.example.com'),
  /**
   * Lets users without credentials of their own act as this container's AWS identity. Off by default: it gives
   * every authenticated user the service's S3 access, which is rarely what a multi-user deployment wants.
   */
  QUILT_ALLOW_SERVICE_AWS_IDENTITY: flag(false),
  /** Timeout of one credential exchange with the catalog. */
  QUILT_CREDENTIALS_TIMEOUT_MS: positiveInt(10_000, 120_000),
  AWS_REGION: z.string().trim().min(1).default('us-east-1'),
  /** S3-compatible endpoint (MinIO, LocalStack, s3rver); unset for AWS itself. */
  AWS_ENDPOINT_URL: httpUrl('an S3-compatible endpoint'),
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
  QUILT_S3_FORCE_PATH_STYLE: flag(false),
});

export type QuiltAwsSettings = z.output<typeof quiltAwsSettingsSchema>;
