/**
 * The AWS SDK modules, loaded on first use. Loading them costs tens of MiB per process, which a server that only
 * serves local registries (as the demo bundle does) never needs; so nothing imports them at run time except through
 * here and the S3 module loaded from here (s3-storage.ts). `import type` of the SDK is free and stays static
 * everywhere.
 */
import type { Crc64Nvme } from '@aws-sdk/crc64-nvme';

export type S3Sdk = typeof import('@aws-sdk/client-s3');
type S3StorageModule = typeof import('./s3-storage.js');

/** A failed load is not remembered: a later call tries again (and fails with the same clear error if it must). */
function once<T>(what: string, load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw new Error(`Could not load ${what}, which S3 access needs (are quilt-mcp's dependencies installed?): ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
    });
    return pending;
  };
}

/** `@aws-sdk/client-s3`: S3Client, the commands, S3ServiceException. */
export const loadS3Sdk: () => Promise<S3Sdk> = once('the AWS SDK (@aws-sdk/client-s3)', () => import('@aws-sdk/client-s3'));

/** The S3 ObjectStorage (and with it the SDK and its presigner). */
export const loadS3Storage: () => Promise<S3StorageModule> = once(
  'the S3 storage module (@aws-sdk/client-s3, @aws-sdk/s3-request-presigner)',
  () => import('./s3-storage.js'),
);

/** The CRC-64/NVME checksum, for `CRC64NVME` entry hashes. */
export const loadCrc64Nvme: () => Promise<typeof Crc64Nvme> = once('the CRC-64/NVME checksum (@aws-sdk/crc64-nvme)', async () => {
  const { Crc64Nvme } = await import('@aws-sdk/crc64-nvme');
  return Crc64Nvme;
});
