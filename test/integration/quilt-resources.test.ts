/**
 * Issue 18, resources and completions, through a real quilt-mcp process with the official MCP clients of both
 * eras: the Quilt+ resource templates are listed, a pinned file reads as text (or a base64 blob) with its MIME type
 * and says it is immutable, reads stay within the tools' bound, and completions offer package names, revisions
 * and logical keys; on the local registry and, in the S3 form, on moto_server.
 */
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import t from 'tap';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { MOTO_CREDENTIALS, motoMissing, startMoto } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { freePort } from '../helpers/ports.js';
import { startQuiltInstances } from '../helpers/quilt-instances.js';
import { motoQuiltEnv, writerToken } from '../helpers/quilt-tools.js';

const instances = await startQuiltInstances({ count: 1 });
t.teardown(() => instances.stop());
const url = new URL(instances.urls[0] as string);
const token = await writerToken(instances.dataDir);
const reader = await mintDemoToken({ dataDir: instances.dataDir, subject: 'nobody@example.com', scopes: ['other:scope'] });
const headers = (tok: string) => ({ requestInit: { headers: { authorization: `Bearer ${tok}` } } });

const modern = new Client({ name: 'resources-modern', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
await modern.connect(new StreamableHTTPClientTransport(url, headers(token)));
const legacy = new LegacyClient({ name: 'resources-legacy', version: '1.0.0' });
await legacy.connect(new LegacyTransport(url, headers(token)));
const unscoped = new LegacyClient({ name: 'resources-unscoped', version: '1.0.0' });
await unscoped.connect(new LegacyTransport(url, headers(reader)));
t.teardown(() => Promise.all([modern.close(), legacy.close(), unscoped.close()]));

const call = async (name: string, args: Record<string, unknown>): Promise<Any> => {
  const r = (await legacy.callTool({ name, arguments: args })) as Any;
  if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text}`);
  return r.structuredContent;
};

t.test('templates are listed for the local form (no S3 registry configured)', async (t) => {
  for (const client of [modern, legacy]) {
    const { resourceTemplates } = (await client.listResourceTemplates()) as Any;
    t.same(
      resourceTemplates.map((x: Any) => x.uriTemplate),
      ['quilt+file://{+root}#package={+package}@{top_hash}&path={+path}'],
    );
  }
});

t.test('a pinned file reads as text with its MIME type, and says it never changes', async (t) => {
  const csv = await call('catalog_uri', { package: 'demo/cells', path: 'cells.csv' });
  const direct = await call('package_file_read', { uri: csv.uri });
  for (const client of [modern, legacy]) {
    const { contents } = (await client.readResource({ uri: csv.uri })) as Any;
    t.equal(contents.length, 1);
    t.match(contents[0], { uri: csv.uri, mimeType: 'text/csv', _meta: { 'quilt-mcp/immutable': true, 'quilt-mcp/top_hash': csv.top_hash } });
    t.equal(contents[0].text, direct.text, 'the same bytes package_file_read gives');
  }
  const cached = (await modern.readResource({ uri: csv.uri })) as Any;
  t.match(cached, { ttlMs: 365 * 24 * 3600 * 1000, cacheScope: 'private' }, 'the 2026-07-28 answer carries a long private cache hint');
  const readme = await call('catalog_uri', { package: 'demo/cells', path: 'README.md' });
  t.match(((await legacy.readResource({ uri: readme.uri })) as Any).contents[0], { mimeType: 'text/markdown' });
});

t.test('binary files are blobs; bounds and bad URIs are refused', async (t) => {
  const made = await call('package_create', { package: 'res/bin', entries: [{ logical_key: 'x.png', text: 'plain' }] });
  const pinned = `${made.uri}&path=x.png`;
  t.match(((await modern.readResource({ uri: pinned })) as Any).contents[0], { mimeType: 'image/png', text: 'plain' }, 'content decides text vs blob');
  const registryRoot = instances.registryRoot;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${registryRoot}/blob.bin`, Buffer.from([0, 1, 2, 255]));
  writeFileSync(`${registryRoot}/big.txt`, Buffer.alloc(1024 * 1024 + 1, 'a'));
  const bin = await call('package_create', {
    package: 'res/blob',
    entries: [
      { logical_key: 'blob.bin', physical_key: 'blob.bin' },
      { logical_key: 'big.txt', physical_key: 'big.txt' },
    ],
  });
  const blob = ((await legacy.readResource({ uri: `${bin.uri}&path=blob.bin` })) as Any).contents[0];
  t.match(blob, { mimeType: 'application/octet-stream', blob: Buffer.from([0, 1, 2, 255]).toString('base64') });
  await t.rejects(legacy.readResource({ uri: `${bin.uri}&path=big.txt` }), /more than a resource returns.*package_file_read/);
  await t.rejects(legacy.readResource({ uri: `${bin.uri}&path=nope.txt` }), /has no file "nope.txt"/);
  await t.rejects(unscoped.readResource({ uri: `${bin.uri}&path=blob.bin` }), /needs the read:packages scope/);
});

t.test('completions: package names, revisions newest first, logical keys', async (t) => {
  const template = 'quilt+file://{+root}#package={+package}@{top_hash}&path={+path}';
  const root = instances.registryRoot;
  const history = await call('package_history', { package: 'demo/cells' });
  const newest = history.revisions.map((r: Any) => r.top_hash).reverse();
  for (const client of [modern, legacy]) {
    const complete = async (name: string, value: string, args: Record<string, string> = {}) =>
      ((await client.complete({ ref: { type: 'ref/resource', uri: template }, argument: { name, value }, context: { arguments: { root, ...args } } })) as Any)
        .completion.values;
    t.same(await complete('package', 'demo/'), ['demo/cells']);
    t.same(await complete('top_hash', '', { package: 'demo/cells' }), newest);
    t.same(await complete('top_hash', (newest[1] as string).slice(0, 8), { package: 'demo/cells' }), [newest[1]]);
    const keys = await complete('path', '', { package: 'demo/cells', top_hash: newest[0] });
    t.ok(keys.includes('cells.csv') && keys.includes('README.md'), `logical keys: ${keys.join(', ')}`);
    t.same(await complete('path', 'cel', { package: 'demo/cells', top_hash: newest[0] }), ['cells.csv']);
  }
  const none = (await unscoped.complete({
    ref: { type: 'ref/resource', uri: template },
    argument: { name: 'package', value: '' },
    context: { arguments: { root } },
  })) as Any;
  t.same(none.completion.values, [], 'no completions without the read scope');
});

t.test('the S3 form on moto_server', { skip: motoMissing }, async (t) => {
  const moto = await startMoto(await freePort(), ['res-bucket']);
  t.teardown(() => moto.close());
  const s3 = await startQuiltInstances({ count: 1, env: motoQuiltEnv(moto, 'res-bucket') });
  t.teardown(() => s3.stop());
  const s3token = await writerToken(s3.dataDir, MOTO_CREDENTIALS);
  const client = new Client({ name: 'resources-s3', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(s3.urls[0] as string), headers(s3token)));
  t.teardown(() => client.close());
  const made = (
    (await client.callTool({
      name: 'package_create',
      arguments: { registry: 's3://res-bucket', package: 'lab/run', entries: [{ logical_key: 'data/t.json', text: '{"a": 1}' }] },
    })) as Any
  ).structuredContent;
  const { resourceTemplates } = (await client.listResourceTemplates()) as Any;
  const s3Template = 'quilt+s3://{bucket}#package={+package}@{top_hash}&path={+path}';
  t.ok(
    resourceTemplates.some((x: Any) => x.uriTemplate === s3Template),
    'the S3 template is offered when an S3 registry is configured',
  );
  const uri = `${made.uri}&path=data/t.json`;
  t.match(uri, /^quilt\+s3:\/\/res-bucket#package=lab\/run@[0-9a-f]{64}&path=data\/t\.json$/);
  t.match(((await client.readResource({ uri })) as Any).contents[0], {
    uri,
    mimeType: 'application/json',
    text: '{"a": 1}',
    _meta: { 'quilt-mcp/immutable': true },
  });
  const complete = async (name: string, value: string, args: Record<string, string>) =>
    ((await client.complete({ ref: { type: 'ref/resource', uri: s3Template }, argument: { name, value }, context: { arguments: args } })) as Any).completion
      .values;
  t.same(await complete('bucket', 'res', {}), ['res-bucket']);
  t.same(await complete('package', 'la', { bucket: 'res-bucket' }), ['lab/run']);
  t.same(await complete('top_hash', '', { bucket: 'res-bucket', package: 'lab/run' }), [made.top_hash]);
  t.same(await complete('path', 'data/', { bucket: 'res-bucket', package: 'lab/run', top_hash: made.top_hash }), ['data/t.json']);
});
