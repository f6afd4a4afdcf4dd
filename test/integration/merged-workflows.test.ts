/**
 * The cross-service tools at the router's `/mcp`, end to end with the official MCP clients of both eras, against
 * the Benchling sandbox and both registry kinds (the bundle's local registry, and S3 on moto_server): packaging an
 * entry (files, provenance, verification, the top hash recomputed by the core library), idempotent re-packaging,
 * the write-back seen through benchling_entry_get, a dry run, and both look-ups.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import t, { type Test } from 'tap';
import { computeManifestTopHash } from '../../packages/quilt-mcp/src/quilt/index.js';
import { MOTO_CREDENTIALS, motoMissing, startMoto } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { startBundle } from '../helpers/bundle.js';
import { connectLegacy, connectModern, type McpTestClient } from '../helpers/mcp-clients.js';
import { freePort } from '../helpers/ports.js';

// biome-ignore lint/suspicious/noExplicitAny: the tools' output schemas are checked by the clients
type Any = any;
const ALICE = 'sandbox-key-alice';
const BOB = 'sandbox-key-bob';
const ENTRY = 'etr_ExpRn001';
const WORKFLOWS = ['lab_package_benchling_entry', 'lab_packages_for_benchling_object', 'lab_benchling_objects_for_package'];

async function ok(client: McpTestClient, name: string, args: Record<string, unknown> = {}): Promise<Any> {
  const result = await client.callTool(name, args);
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent;
}

const moto = motoMissing ? undefined : await startMoto(await freePort(), ['lab']);
const bundle = await startBundle({
  env: {
    ROUTER_RATE_LIMIT_PER_MINUTE: '100000',
    ROUTER_RATE_LIMIT_BURST: '10000',
    BENCHLING_SANDBOX_RATE_LIMIT: '100000',
    BENCHLING_SANDBOX_ADMIN: 'true',
    ...(moto && { QUILT_REGISTRIES: 's3://lab', AWS_ENDPOINT_URL: moto.endpoint, QUILT_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' }),
  },
});
t.teardown(async () => {
  await bundle.stop();
  await moto?.close();
});
const url = `${bundle.routerUrl}/mcp`;
const token = await mintDemoToken({
  dataDir: bundle.dataDir,
  subject: 'alice@example.com',
  scopes: ['read:packages', 'write:packages'],
  awsCredentials: MOTO_CREDENTIALS,
});
const alice = await connectModern(url, { authorization: `Bearer ${token}`, 'x-benchling-api-key': ALICE });
const aliceLegacy = await connectLegacy(url, { authorization: `Bearer ${token}`, 'x-benchling-api-key': ALICE });
t.teardown(async () => {
  await alice.close();
  await aliceLegacy.close();
});

t.test('the workflow tools are listed to callers whose lists hold the tools they call', async (t) => {
  const names = (await alice.listTools()).tools.map((x) => x.name);
  for (const name of WORKFLOWS) t.ok(names.includes(name), `${name} is listed with both credentials`);
  const quiltOnly = await connectModern(url, { authorization: `Bearer ${token}` });
  const without = (await quiltOnly.listTools()).tools.map((x) => x.name);
  await quiltOnly.close();
  for (const name of ['lab_package_benchling_entry', 'lab_benchling_objects_for_package'])
    t.notOk(without.includes(name), `${name} is not listed without a Benchling key`);
  t.ok(without.includes('lab_packages_for_benchling_object'), 'the look-up by id reads Quilt only, and is listed with a Quilt token alone');
  const reader = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'reader@example.com', scopes: ['read:packages'] });
  const readOnly = await connectModern(url, { authorization: `Bearer ${reader}`, 'x-benchling-api-key': ALICE });
  const readNames = (await readOnly.listTools()).tools.map((x) => x.name);
  await readOnly.close();
  t.notOk(readNames.includes('lab_package_benchling_entry'), 'a read-only token cannot package');
  t.ok(readNames.includes('lab_benchling_objects_for_package'));
});

async function packagingRoundTrip(t: Test, registry: string | undefined, pkg: string): Promise<Any> {
  const where = registry ? { registry } : {};
  const dry = await ok(alice, 'lab_package_benchling_entry', { entry_id: ENTRY, package: pkg, ...where, dry_run: true });
  t.equal(dry.status, 'dry_run');
  const keys = dry.files.map((f: { logical_key: string }) => f.logical_key);
  t.ok(keys.includes('entry.json') && keys.includes('notes.json'), 'the entry and its notes as JSON');
  t.ok(
    keys.some((k: string) => /^sequences\/dna\/seq_\w+\.gb$/.test(k)),
    'the linked DNA sequence as GenBank',
  );
  t.ok(
    keys.some((k: string) => /^sequences\/dna\/seq_\w+\.fasta$/.test(k)),
    'and as FASTA',
  );
  t.ok(
    keys.some((k: string) => /^entities\/bfi_\w+\.json$/.test(k)),
    'the linked custom entity as JSON',
  );
  t.match(dry.metadata.benchling, { format: 'labmcp.benchling-provenance/1', entry_id: ENTRY, tenant: /^http/, tool: { name: 'lab_package_benchling_entry' } });
  const listed = await ok(alice, 'quilt_packages_list', { ...where, prefix: pkg });
  t.same(listed.packages, [], 'a dry run writes nothing');

  const first = await ok(aliceLegacy, 'lab_package_benchling_entry', { entry_id: ENTRY, package: pkg, ...where });
  t.equal(first.status, 'created');
  t.match(first.uri, new RegExp(`^quilt\\+.*#package=${pkg}@${first.top_hash}$`));
  t.equal(first.write_back.status, 'written');
  const entry = await ok(alice, 'benchling_entry_get', { entry_id: ENTRY, include_notes: false });
  t.equal(entry.entry.fields['Quilt Package'].value, first.uri, 'the Quilt+ URI is on the entry, as benchling_entry_get shows');
  const provenance = first.metadata.benchling;
  t.match(provenance.objects[0], { type: 'entry', id: ENTRY, web_url: /etr_ExpRn001/, schema_id: 'ts_ExpRun01', digest: /^sha256:/ });
  t.ok(
    provenance.objects.some((o: Any) => o.type === 'dna_sequence'),
    'the DNA sequence is in the provenance',
  );

  const verified = await ok(alice, 'quilt_package_verify', { ...where, package: pkg, check_files: true });
  t.match(verified, { ok: true }, 'package_verify: the manifest and every file check out');
  const browse = await ok(alice, 'quilt_package_browse', { ...where, package: pkg, path: 'sequences/' });
  t.ok(browse.entries.length >= 2);

  const again = await ok(alice, 'lab_package_benchling_entry', { entry_id: ENTRY, package: pkg, ...where });
  t.equal(again.status, 'unchanged', 'unchanged Benchling data: no new revision');
  t.equal(again.top_hash, first.top_hash, 'the same top hash');
  t.equal(again.write_back.status, 'already_set', 'the URI on the entry is left as it is');
  t.equal(again.metadata.benchling.retrieved_at, provenance.retrieved_at, 'the revision keeps the retrieval time of the run that made it');
  const history = await ok(alice, 'quilt_package_history', { ...where, package: pkg });
  t.equal(history.revisions.length, 1, 'one revision');

  const fresh = await ok(alice, 'lab_benchling_objects_for_package', { ...where, package: pkg });
  t.ok(
    fresh.objects.every((o: Any) => o.state === 'unchanged'),
    `every cited object is unchanged: ${JSON.stringify(fresh.objects.map((o: Any) => [o.id, o.state]))}`,
  );
  return first;
}

t.test('local registry: package, verify, re-package, write back, look up', async (t) => {
  const first = await packagingRoundTrip(t, undefined, 'benchling/exp001');
  const registryRoot = path.join(bundle.dataDir, 'quilt-registry');
  const summary = await computeManifestTopHash(createReadStream(path.join(registryRoot, '.quilt', 'packages', first.top_hash)));
  t.equal(summary.topHash, first.top_hash, "the core library's hashing recomputes the top hash");

  // A change in Benchling: a new revision, and the old one now reads as changed.
  const entry = await ok(alice, 'benchling_entry_get', { entry_id: ENTRY, include_notes: false });
  await ok(alice, 'benchling_entry_update', { entry_id: ENTRY, if_modified_at: entry.entry.modified_at, fields: { Outcome: 'Re-run planned' } });
  const second = await ok(alice, 'lab_package_benchling_entry', { entry_id: ENTRY, package: 'benchling/exp001' });
  t.equal(second.status, 'created');
  t.not(second.top_hash, first.top_hash);
  const old = await ok(aliceLegacy, 'lab_benchling_objects_for_package', { package: 'benchling/exp001', revision: first.top_hash });
  t.match(
    old.objects.find((o: Any) => o.id === ENTRY),
    { state: 'changed' },
    'the entry changed since the first revision',
  );
  t.match(
    old.objects.find((o: Any) => o.type === 'dna_sequence'),
    { state: 'unchanged' },
  );

  const cites = await ok(alice, 'lab_packages_for_benchling_object', { benchling_id: ENTRY });
  const local = cites.revisions.filter((r: Any) => r.package === 'benchling/exp001');
  t.same(local.map((r: Any) => r.top_hash).sort(), [first.top_hash, second.top_hash].sort(), 'both revisions cite the entry');
  t.equal(local.find((r: Any) => r.is_latest)?.top_hash, second.top_hash);
  const seq = first.metadata.benchling.objects.find((o: Any) => o.type === 'dna_sequence').id;
  const bySeq = await ok(alice, 'lab_packages_for_benchling_object', { benchling_id: seq });
  t.ok(
    bySeq.revisions.some((r: Any) => r.cited_as === 'dna_sequence' && r.package === 'benchling/exp001'),
    'found by a linked sequence too',
  );
});

t.test("workflow runs are counted per user in the router's metrics", async (t) => {
  const metrics = await (await fetch(`${bundle.routerUrl}/metrics`)).text();
  t.match(
    metrics,
    /labmcp_user_workflows_total\{[^}]*workflow="lab_package_benchling_entry"[^}]*user="u[0-9a-f]{16}"[^}]*\} [1-9]/,
    "under the caller's hashed id",
  );
});

t.test('a workflow whose caller gives up stops, and is audited as cancelled (not as a failure)', async (t) => {
  // Benchling answers the next request after 3 s; the client gives up after 0.5 s.
  const queued = await fetch(`http://127.0.0.1:${bundle.ports['benchling-sandbox']}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'delay', ms: 3000, count: 1 }),
  });
  t.ok(queued.ok, 'delay queued');
  const client = new Client({ name: 'cancel-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}`, 'x-benchling-api-key': ALICE } } }),
  );
  t.teardown(() => client.close());
  await t.rejects(
    client.callTool({ name: 'lab_benchling_objects_for_package', arguments: { package: 'benchling/exp001' } }, { signal: AbortSignal.timeout(500) }),
    'the client gave up',
  );
  const audit = () =>
    readFileSync(path.join(bundle.logDir, 'router.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"audit":true') && l.includes('"tool":"lab_benchling_objects_for_package"'))
      .map((l) => JSON.parse(l) as { outcome: string; durationMs: number });
  const before = audit().length;
  const deadline = Date.now() + 5000;
  while (audit().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const line = audit().at(-1);
  t.equal(line?.outcome, 'cancelled', 'audited as cancelled');
  t.ok((line?.durationMs ?? Infinity) < 2500, `it stopped when the client gave up, not when Benchling answered (${line?.durationMs} ms)`);
  t.notOk(readFileSync(path.join(bundle.logDir, 'router.log'), 'utf8').includes('workflow failed'), 'and nothing is logged as a failure');
});

t.test('an entry without the write-back field, and objects another user cannot see', async (t) => {
  const made = await ok(alice, 'lab_package_benchling_entry', { entry_id: 'etr_AbCmp001' });
  t.equal(made.package, 'benchling/etr_AbCmp001', 'the default package name');
  t.equal(made.write_back.status, 'no_such_field');
  t.match(made.write_back.message, /has no text field "Quilt Package"/);
  const bob = await connectModern(url, { authorization: `Bearer ${token}`, 'x-benchling-api-key': BOB });
  t.teardown(() => bob.close());
  const seen = await ok(bob, 'lab_benchling_objects_for_package', { package: 'benchling/etr_AbCmp001' });
  t.match(
    seen.objects.find((o: Any) => o.id === 'etr_AbCmp001'),
    { state: 'gone', detail: /Not found in Benchling/ },
    'gone for a user who cannot see it',
  );
  const refused = await bob.callTool('lab_package_benchling_entry', { entry_id: 'etr_AbCmp001', package: 'bob/abcmp' });
  t.ok(refused.isError, 'packaging what the caller cannot see fails');
  t.match(refused.content?.[0]?.text, /benchling_entry_get/);
});

t.test('S3 registry (moto_server): package, verify, idempotent re-package', { skip: motoMissing }, async (t) => {
  await packagingRoundTrip(t, 's3://lab', 'benchling/exp001s3');
});
