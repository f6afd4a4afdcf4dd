/**
 * Issue 16: quilt-mcp loads the AWS SDK only when S3 is used. The real server, started with only its local
 * registry, answers packages_list, package_browse, package_verify and package_create without importing any
 * @aws-sdk module (a loader hook in the process writes down every module it imports); started with an S3 registry
 * (s3rver), it imports the SDK and its S3 calls work.
 */
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { startS3Vectors } from '../../packages/quilt-mcp/test/helpers/s3-fixture.js';
import { connectModern, type McpTestClient } from '../helpers/mcp-clients.js';
import { createModuleProbe } from '../helpers/module-probe.js';
import { startQuiltInstances } from '../helpers/quilt-instances.js';

const probe = createModuleProbe(t);
const probed = probe.env;
const loaded = probe.loaded;
const awsModules = (name: string) => loaded(name).filter((where) => /[/\\]@(aws-sdk|smithy)[/\\]/.test(where));

async function ok(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<Any> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent as Any;
}

t.test('with only the local registry, no AWS SDK module is loaded, at start or by the tools', async (t) => {
  const instances = await startQuiltInstances({ count: 1, env: probed('local') });
  t.teardown(() => instances.stop());
  const token = await mintDemoToken({ dataDir: instances.dataDir, subject: 'writer@example.com', scopes: ['read:packages', 'write:packages'] });
  const client = await connectModern(instances.urls[0] as string, { authorization: `Bearer ${token}` });
  t.teardown(() => client.close());

  t.ok(
    loaded('local').some((url) => url.includes('/quilt-mcp/dist/registry/access.js')),
    'the probe sees the server’s own modules',
  );
  t.ok(
    loaded('local').some((where) => /[/\\]pino[/\\]lib[/\\]/.test(where)),
    'and the CommonJS modules they require',
  );
  t.same(awsModules('local'), [], 'nothing of the AWS SDK at start');

  t.same(
    (await ok(client, 'packages_list')).packages.map((p: Any) => p.name),
    ['demo/cells'],
  );
  const browse = await ok(client, 'package_browse', { package: 'demo/cells' });
  t.same(
    browse.entries.map((e: Any) => e.logical_key),
    ['README.md', 'cells.csv', 'summary.json'],
  );
  t.match(await ok(client, 'package_verify', { package: 'demo/cells', check_files: true }), { ok: true, files: { mismatched: 0, missing: 0 } });
  const created = await ok(client, 'package_create', {
    package: 'lab/lazy',
    message: 'no AWS here',
    entries: [{ logical_key: 'notes.txt', text: 'local only\n' }],
  });
  t.match(created, { package: 'lab/lazy', top_hash: /^[0-9a-f]{64}$/ });
  t.same(
    (await ok(client, 'package_browse', { package: 'lab/lazy' })).entries.map((e: Any) => e.logical_key),
    ['notes.txt'],
  );
  t.same(awsModules('local'), [], 'nothing of the AWS SDK after reading and writing packages');
});

t.test('with an S3 registry, the SDK is loaded at start and S3 calls work', async (t) => {
  const REG = 's3://quilt-vectors';
  const s3 = await startS3Vectors({ keys: [['LAZYKEY', 'LAZYSECRET']] });
  t.teardown(() => s3.close());
  const instances = await startQuiltInstances({
    count: 1,
    env: {
      ...probed('s3'),
      QUILT_REGISTRIES: REG,
      AWS_ENDPOINT_URL: s3.endpoint,
      QUILT_S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'us-east-1',
    },
  });
  t.teardown(() => instances.stop());
  t.ok(
    awsModules('s3').some((url) => url.includes('/@aws-sdk/client-s3/')),
    'the probe records the SDK once S3 is configured',
  );
  const token = await mintDemoToken({
    dataDir: instances.dataDir,
    subject: 'reader@example.com',
    scopes: ['read:packages'],
    awsCredentials: { accessKeyId: 'LAZYKEY', secretAccessKey: 'LAZYSECRET' },
  });
  const client = await connectModern(instances.urls[0] as string, { authorization: `Bearer ${token}` });
  t.teardown(() => client.close());
  const names = (await ok(client, 'packages_list', { registry: REG })).packages.map((p: Any) => p.name as string);
  t.ok(names.includes('demo/simple'), `packages listed from ${REG}: ${names.join(', ')}`);
  const browse = await ok(client, 'package_browse', { registry: REG, package: 'demo/simple' });
  t.ok(
    browse.entries.some((e: Any) => e.logical_key === 'data/a.csv'),
    'a package browsed from S3',
  );
  t.match(await ok(client, 'package_verify', { registry: REG, package: 'demo/simple', check_files: true }), { ok: true, files: { mismatched: 0, missing: 0 } });
  const link = await ok(client, 'bucket_object_link', { registry: REG, key: 'demo/simple/data/a.csv', expires_seconds: 120 });
  t.match(link.url, /X-Amz-Credential=LAZYKEY/, 'a presigned link, signed with the caller’s key');
  t.equal((await fetch(link.url)).status, 200, 'the link downloads');
});
