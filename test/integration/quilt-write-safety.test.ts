/**
 * Issue #13, the write protocol under parallel writers: every (backend, instances) row runs the parallel
 * scenarios (creates of one new name, creates with replace_existing, updates with and without
 * expected_top_hash, deletes, a mix) against real quilt-mcp processes with the official MCP clients, calls
 * alternating between the instances. Backends: the local registry (two processes on one data folder),
 * moto_server (conditional writes and versioning; two processes on one endpoint; skipped, saying so, where it is
 * not installed), moto_server again with QUILT_S3_CONDITIONAL_WRITES=off (the path for servers without conditional
 * writes, atomic within one process: one instance), and s3rver for the scenarios that are not about parallel calls
 * (s3rver acknowledges a PUT before the bytes are readable, so concurrent readers can see a half-written object:
 * no store protocol can be atomic on it). One backend's processes serve all its rows; each row and scenario has its own package.
 * Scenario numbers are those of the test plan: 1 creates, 2 creates with replace_existing, 3 identical content in
 * another package, 4 updates, 5 updates with expected_top_hash, 6 deletes, 7 mixed, 8 refused input, 10 versions.
 */

import { mintDemoToken } from '@labmcp/service-kit/auth';
import t, { type Test } from 'tap';
import { bucketObjects, MOTO_CREDENTIALS, motoMissing, startMoto } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { startS3Vectors } from '../../packages/quilt-mcp/test/helpers/s3-fixture.js';
import { connectLegacy, connectModern, type McpTestClient } from '../helpers/mcp-clients.js';
import { freePort } from '../helpers/ports.js';
import { type QuiltInstances, startQuiltInstances } from '../helpers/quilt-instances.js';
import {
  identicalContentElsewhere,
  localStore,
  parallelCreatesOneName,
  parallelCreatesReplace,
  parallelDeletes,
  parallelMixed,
  parallelUpdatesExpected,
  parallelUpdatesRebase,
  refusedCreateWritesNothing,
  SHARED_BYTES,
  SHARED_KEY,
  type Store,
  versionedBucket,
  type WriteTarget,
} from '../helpers/quilt-writes.js';

const PARALLEL: [string, string, (t: Test, target: WriteTarget, pkg: string) => Promise<void>][] = [
  ['1', '20 parallel creates of one new name: one succeeds, 19 conflict', parallelCreatesOneName],
  ['2', '20 parallel creates with replace_existing: all succeed and stay', parallelCreatesReplace],
  ['4', '20 parallel updates without expected_top_hash: all succeed, none lost', parallelUpdatesRebase],
  ['5', '20 parallel updates with expected_top_hash: one succeeds, 19 conflict', parallelUpdatesExpected],
  ['6', '20 parallel deletes: one deleted, 19 not there', parallelDeletes],
  ['7', '10 updates and 10 replacing creates at once: every success stays', parallelMixed],
];

const S3_ENV = { QUILT_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };

/** Clients for every instance (modern and legacy alternate, so both protocol eras write), closed at teardown. */
async function clientsFor(t: Test, instances: QuiltInstances, awsCredentials?: { accessKeyId: string; secretAccessKey: string }): Promise<McpTestClient[]> {
  const token = await mintDemoToken({
    dataDir: instances.dataDir,
    subject: 'writer@example.com',
    scopes: ['read:packages', 'write:packages'],
    ...(awsCredentials && { awsCredentials }),
  });
  const clients = await Promise.all(instances.urls.map((url, i) => (i % 2 === 0 ? connectModern : connectLegacy)(url, { authorization: `Bearer ${token}` })));
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  return clients;
}

/** The rows of one backend: its scenarios with 1 instance, then with all of `clients` (one per instance) if more. */
async function rows(
  t: Test,
  backend: string,
  registry: string | undefined,
  clients: McpTestClient[],
  store: Store,
  once: (target: WriteTarget) => Promise<void>,
): Promise<void> {
  await store.put(SHARED_KEY, SHARED_BYTES);
  for (const n of [...new Set([1, clients.length])]) {
    const target: WriteTarget = { label: `${backend}/${n}`, registry, clients: clients.slice(0, n), store };
    for (const [id, title, scenario] of PARALLEL) {
      await t.test(`${id}/${target.label}: ${title}`, (t) => scenario(t, target, `w${id}/${backend}-${n}`));
    }
    if (n === 1) await once(target);
  }
}

/** Scenarios 3 and 8, run once per backend (they are not about parallel calls). */
function sequential(t: Test, backend: string): (target: WriteTarget) => Promise<void> {
  return async (target) => {
    await t.test(`3/${target.label}: identical content in another package leaves the first manifest unchanged`, (t) =>
      identicalContentElsewhere(t, target, `w3/${backend}-a`, `w3/${backend}-b`),
    );
    await t.test(`8/${target.label}: a create refused for bad input writes nothing`, (t) => refusedCreateWritesNothing(t, target, `w8/${backend}`));
  };
}

// Many writers on three kinds of registry: 1–2.5 minutes on a busy 2-core machine, more than tap's default 180 s leaves.
t.setTimeout(480_000);

t.test('local registry, 2 instances on one data folder', async (t) => {
  const instances = await startQuiltInstances({ count: 2, env: { QUILT_SEED_DEMO: 'false' } });
  t.teardown(() => instances.stop());
  const clients = await clientsFor(t, instances);
  await rows(t, 'local', undefined, clients, localStore(instances.registryRoot), sequential(t, 'local'));
});

t.test('moto_server (conditional writes, versioning), 2 instances', { skip: motoMissing }, async (t) => {
  const moto = await startMoto(await freePort(), ['plain', 'versioned'], ['versioned']);
  t.teardown(() => moto.close());
  const instances = await startQuiltInstances({
    count: 2,
    env: { ...S3_ENV, QUILT_SEED_DEMO: 'false', QUILT_REGISTRIES: 's3://plain,s3://versioned', AWS_ENDPOINT_URL: moto.endpoint },
  });
  t.teardown(() => instances.stop());
  const clients = await clientsFor(t, instances, MOTO_CREDENTIALS);
  const plain = bucketObjects(moto.client, 'plain');
  await rows(t, 'moto', 's3://plain', clients, plain, sequential(t, 'moto'));
  const versioned: WriteTarget = {
    label: 'moto-versioned/1',
    registry: 's3://versioned',
    clients: clients.slice(0, 1),
    store: bucketObjects(moto.client, 'versioned'),
  };
  await t.test('10/moto-versioned/1: physical keys carry ?versionId= and an older revision keeps its bytes', (t) =>
    versionedBucket(t, versioned, 'w10/versioned'),
  );
});

t.test('moto_server with conditional writes off (the fallback for servers without them), 1 instance', { skip: motoMissing }, async (t) => {
  const moto = await startMoto(await freePort(), ['fallback']);
  t.teardown(() => moto.close());
  const instances = await startQuiltInstances({
    count: 1,
    env: { ...S3_ENV, QUILT_SEED_DEMO: 'false', QUILT_REGISTRIES: 's3://fallback', AWS_ENDPOINT_URL: moto.endpoint, QUILT_S3_CONDITIONAL_WRITES: 'off' },
  });
  t.teardown(() => instances.stop());
  const clients = await clientsFor(t, instances, MOTO_CREDENTIALS);
  await rows(t, 'moto-fallback', 's3://fallback', clients, bucketObjects(moto.client, 'fallback'), sequential(t, 'moto-fallback'));
});

t.test('s3rver (no conditional writes; writes not atomic for readers), 1 instance, one call at a time', async (t) => {
  const s3 = await startS3Vectors();
  t.teardown(() => s3.close());
  const instances = await startQuiltInstances({
    count: 1,
    env: { ...S3_ENV, QUILT_SEED_DEMO: 'false', QUILT_REGISTRIES: 's3://quilt-vectors', AWS_ENDPOINT_URL: s3.endpoint },
  });
  t.teardown(() => instances.stop());
  const clients = await clientsFor(t, instances, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const store = bucketObjects(s3.client, 'quilt-vectors');
  await store.put(SHARED_KEY, SHARED_BYTES);
  await sequential(t, 's3rver')({ label: 's3rver/1', registry: 's3://quilt-vectors', clients, store });
});
