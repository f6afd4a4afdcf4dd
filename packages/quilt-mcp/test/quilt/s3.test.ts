/**
 * S3Storage and the registry against a real S3 API: s3rver in-process on 127.0.0.1 (random port, temp
 * folder), with the fixture bucket uploaded through the S3 API.
 */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { Registry } from '../../src/quilt/registry.js';
import { S3Storage } from '../../src/quilt/s3-storage.js';
import { startS3rver } from '../helpers/s3-fixture.js';
import { BUCKET_DIR, collect, expected } from './helpers.js';
import { registryContract } from './registry-contract.js';
import { storageContract } from './storage-contract.js';

const s3 = await startS3rver();
t.teardown(() => s3.close());
const { client } = s3;

for (const bucket of [expected.bucket, 'scratch']) await client.send(new CreateBucketCommand({ Bucket: bucket }));
const files = readdirSync(BUCKET_DIR, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
for (const file of files) {
  const full = path.join(file.parentPath, file.name);
  const key = path.relative(BUCKET_DIR, full).split(path.sep).join('/');
  await client.send(new PutObjectCommand({ Bucket: expected.bucket, Key: key, Body: readFileSync(full) }));
}

t.test('uploaded the fixture bucket', async (t) => {
  t.equal(files.length, 30, '13 data files, 6 manifests, 11 pointers');
  const storage = new S3Storage(client, expected.bucket);
  // Paged listing through S3 continuation tokens.
  const keys: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await storage.list('.quilt/', { maxKeys: 4, ...(token === undefined ? {} : { continuationToken: token }) });
    keys.push(...page.objects.map((o) => o.key));
    token = page.nextContinuationToken;
    pages++;
  } while (token !== undefined);
  t.equal(keys.length, 17);
  t.equal(pages, 5, 'five pages of at most four');
  t.same([...keys].sort(), keys, 'key order');
});

t.test('storage contract', async (t) => {
  await storageContract(t, new S3Storage(client, 'scratch'), { s3KeyOrder: false });
});

t.test('presigned URLs fetch the object', async (t) => {
  const storage = new S3Storage(client, expected.bucket);
  const url = await storage.presign('demo/simple/README.md', 60);
  t.match(url, /X-Amz-Expires=60/);
  const response = await fetch(url);
  t.equal(response.status, 200);
  t.equal(Buffer.from(await response.arrayBuffer()).toString(), readFileSync(path.join(BUCKET_DIR, 'demo/simple/README.md'), 'utf8'));
  await t.rejects(storage.presign('k', 0), { code: 'InvalidArgument' });
  await t.rejects(storage.presign('k', 8 * 24 * 3600), { code: 'InvalidArgument' });
});

t.test('S3-specific errors', async (t) => {
  const storage = new S3Storage(client, 'scratch');
  await t.rejects(storage.put('k', Readable.from([Buffer.from('x')])), { code: 'InvalidArgument', message: /needs its size/ });
  await t.rejects(storage.get(''), { code: 'InvalidKey' });
  t.throws(() => new S3Storage(client, 'no/slashes'), { code: 'InvalidArgument' });
  const missing = new S3Storage(client, 'no-such-bucket');
  await t.rejects(missing.get('k'), { name: 'StorageError', code: 'NotFound' });
  await t.rejects(missing.list(''), { code: 'NotFound', message: /bucket "no-such-bucket" does not exist/ });
  const ranged = await new S3Storage(client, expected.bucket).get('demo/large/big.bin', { range: { offset: 16_789_000 } });
  t.equal(ranged.size, 16_789_561);
  t.equal((await collect(ranged.body)).length, 561);
});

t.test('registry over S3', async (t) => {
  await registryContract(t, new Registry(new S3Storage(client, expected.bucket)));
});
