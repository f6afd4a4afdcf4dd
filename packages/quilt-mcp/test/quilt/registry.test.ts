import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { openRegistry, parseRegistryUrl, validatePackageName } from '../../src/quilt/registry.js';
import { BUCKET_DIR, tempDir } from './helpers.js';
import { registryContract } from './registry-contract.js';

t.test('a local registry over a copy of the fixture bucket', async (t) => {
  const dir = await tempDir(t, 'registry');
  cpSync(BUCKET_DIR, dir, { recursive: true });
  const registry = await openRegistry(pathToFileURL(dir).href);
  await registryContract(t, registry);

  await t.test('pointer files are written as quilt3 writes them', async (t) => {
    const pushed = await registry.pushRevision('demo/again', { version: 'v0', message: null }, [], { timestamp: 1_900_000_000 });
    const pointerDir = path.join(dir, '.quilt', 'named_packages', 'demo', 'again');
    t.same(readdirSync(pointerDir).sort(), ['1900000000', 'latest']);
    t.equal(readFileSync(path.join(pointerDir, 'latest'), 'utf8'), pushed.topHash, '64 hex digits, no newline');
    // An empty package with a null message is exactly the fixture's demo/empty.
    t.equal(pushed.topHash, '2a5a67156ca9238c14d12042db51c5b52260fdd5511b61ea89b58929d6e1769b');
    t.same(readFileSync(path.join(dir, '.quilt', 'packages', pushed.topHash)), readFileSync(path.join(BUCKET_DIR, '.quilt', 'packages', pushed.topHash)));
    await registry.deletePackage('demo/again');
    t.notOk(readdirSync(path.join(dir, '.quilt', 'named_packages', 'demo')).includes('again'), 'emptied pointer folder removed');
  });

  await t.test('a corrupt pointer is reported, not followed', async (t) => {
    await registry.storage.put('.quilt/named_packages/demo/bad/latest', '../../etc/passwd');
    await t.rejects(registry.resolveRevision('demo/bad'), { code: 'CorruptPointer' });
    await registry.storage.delete('.quilt/named_packages/demo/bad/latest');
  });
});

t.test('registry URLs', async (t) => {
  t.same(parseRegistryUrl('s3://my-bucket'), { kind: 's3', bucket: 'my-bucket' });
  t.same(parseRegistryUrl('s3://my-bucket/'), { kind: 's3', bucket: 'my-bucket' });
  t.same(parseRegistryUrl('file:///srv/quilt'), { kind: 'file', path: '/srv/quilt' });
  t.same(parseRegistryUrl('file:///srv/quilt%20reg'), { kind: 'file', path: '/srv/quilt reg' });
  for (const bad of ['s3://bucket/prefix', 's3://', 'file://host/x', 'http://x', 'relative/path', 's3://b?x=1']) {
    t.throws(() => parseRegistryUrl(bad), { code: 'InvalidUrl' }, bad);
  }
  await t.rejects(openRegistry('s3://bucket'), { code: 'InvalidArgument', message: /needs an S3 client/ });
});

t.test('package names follow quilt3', async (t) => {
  for (const ok of ['demo/simple', 'a_b/c-d', 'ünï/cødé', 'x1/2']) t.doesNotThrow(() => validatePackageName(ok), ok);
  for (const bad of ['demo', 'a/b/c', '../x', 'a/.', 'a b/c', '/a', 'a/', 'a/b\n']) t.throws(() => validatePackageName(bad), { code: 'InvalidName' }, bad);
});
