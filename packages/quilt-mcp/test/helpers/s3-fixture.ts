/**
 * s3rver in this process on 127.0.0.1 (free port, temp folder) holding the quilt-vectors bucket, uploaded
 * through the S3 API. s3rver checks that a request's access key id exists (it does not verify SigV4
 * signatures), so extra key pairs can be registered, and every key id it looks up is recorded: that is the
 * server side's view of whose credentials each request carried.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import AWSAccount from 's3rver/lib/models/account.js';
import { BUCKET } from './harness.js';

/**
 * An S3 client for an S3-compatible test server on loopback: path-style, plain bodies (s3rver predates the SDK's
 * default CRC trailers, `aws-chunked` uploads), one attempt (a test sees a failure, not a retry).
 */
export function s3Client(endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

export interface S3rverServer {
  endpoint: string;
  /** A client with s3rver's own key pair. */
  client: S3Client;
  server: S3rver;
  close: () => Promise<void>;
}

/** An empty s3rver on 127.0.0.1 (free port, its own temporary folder). */
export async function startS3rver(): Promise<S3rverServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 'labmcp-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3Client(endpoint);
  return {
    endpoint,
    client,
    server,
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface S3Vectors {
  endpoint: string;
  client: S3Client;
  /** Access key ids s3rver looked up, in order (one per authenticated request). */
  keyIds: string[];
  close: () => Promise<void>;
}

export async function startS3Vectors(options: { keys?: [string, string][] } = {}): Promise<S3Vectors> {
  const s3 = await startS3rver();
  const { endpoint, client } = s3;
  for (const [id, secret] of options.keys ?? []) AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
  const keyIds: string[] = [];
  const registry = AWSAccount.registry;
  const originalGet = registry.get.bind(registry);
  registry.get = (id: string) => {
    keyIds.push(id);
    return originalGet(id);
  };
  await client.send(new CreateBucketCommand({ Bucket: 'quilt-vectors' }));
  for (const file of readdirSync(BUCKET, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())) {
    const full = path.join(file.parentPath, file.name);
    const key = path.relative(BUCKET, full).split(path.sep).join('/');
    await client.send(new PutObjectCommand({ Bucket: 'quilt-vectors', Key: key, Body: readFileSync(full) }));
  }
  keyIds.length = 0;
  return {
    endpoint,
    client,
    keyIds,
    close: async () => {
      registry.get = originalGet;
      for (const [id] of options.keys ?? []) AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(id);
      await s3.close();
    },
  };
}
