/** The demo package: real top hashes, idempotent, safe when several processes seed at once. */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { computeManifestTopHash, LocalStorage, Registry } from '../src/quilt/index.js';
import { DEMO_PACKAGE, DEMO_REVISIONS, seedDemoRegistry, seededTopHashes } from '../src/registry/demo-seed.js';
import { tempDir } from './helpers/harness.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

async function check(t: Pick<Test, 'equal' | 'same' | 'notOk'>, root: string) {
  const registry = new Registry(await LocalStorage.open(root));
  const { revisions, latest } = await registry.listRevisions(DEMO_PACKAGE);
  t.same(
    revisions.map((r) => r.timestamp),
    DEMO_REVISIONS.map((r) => r.timestamp),
  );
  t.equal(latest, revisions[1]?.topHash);
  t.same(
    await seededTopHashes(root),
    revisions.map((r) => r.topHash),
    'the marker records the top hashes',
  );
  for (const r of revisions) {
    const summary = await computeManifestTopHash(createReadStream(path.join(root, '.quilt', 'packages', r.topHash)));
    t.equal(summary.topHash, r.topHash, 'recomputes');
  }
  t.notOk(existsSync(path.join(root, '.quilt', 'labmcp-seed.lock')), 'no lock left behind');
  t.same(
    readdirSync(path.join(root, 'demo', 'cells')).filter((f) => f.includes('tmp')),
    [],
    'no temp files',
  );
  return revisions.map((r) => r.topHash);
}

t.test('seeds once, with the same top hashes everywhere', async (t) => {
  const a = path.join(await tempDir(t, 'seed-a'), 'reg');
  const b = path.join(await tempDir(t, 'seed-b'), 'reg');
  t.equal(await seedDemoRegistry(a), 'seeded');
  t.equal(await seedDemoRegistry(a), 'already-seeded');
  t.equal(await seedDemoRegistry(b), 'seeded');
  t.same(await check(t, a), await check(t, b), 'top hashes do not depend on where the registry is');
});

t.test('a deleted demo package is not re-seeded; an existing one is kept', async (t) => {
  const root = path.join(await tempDir(t, 'seed-del'), 'reg');
  await seedDemoRegistry(root);
  const registry = new Registry(await LocalStorage.open(root));
  await registry.deletePackage(DEMO_PACKAGE);
  t.equal(await seedDemoRegistry(root), 'already-seeded');
  rmSync(path.join(root, '.quilt', 'labmcp-demo-seeded'));
  t.equal(await seedDemoRegistry(root), 'seeded', 'without the marker it seeds again');
  rmSync(path.join(root, '.quilt', 'labmcp-demo-seeded'));
  t.equal(await seedDemoRegistry(root), 'package-exists');
});

t.test('concurrent seeding in one process and across processes', async (t) => {
  const root = path.join(await tempDir(t, 'seed-race'), 'reg');
  const outcomes = await Promise.all([1, 2, 3, 4].map(() => seedDemoRegistry(root)));
  t.equal(outcomes.filter((o) => o === 'seeded').length, 1, outcomes.join(', '));
  await check(t, root);

  const root2 = path.join(await tempDir(t, 'seed-procs'), 'reg');
  const script = path.join(await tempDir(t, 'seed-script'), 'seed.mts');
  writeFileSync(
    script,
    `import { seedDemoRegistry } from ${JSON.stringify(path.join(here, '../src/registry/demo-seed.ts'))};\nprocess.stdout.write(await seedDemoRegistry(process.argv[2]));\n`,
  );
  const results = await Promise.all([1, 2, 3].map(() => run(process.execPath, ['--import=tsx', script, root2], { timeout: 60_000 })));
  const said = results.map((r) => r.stdout.trim());
  t.equal(said.filter((o) => o === 'seeded').length, 1, said.join(', '));
  await check(t, root2);
});

t.test('a stale lock from a crashed process is taken over', async (t) => {
  const root = path.join(await tempDir(t, 'seed-stale'), 'reg');
  const { mkdirSync, utimesSync } = await import('node:fs');
  mkdirSync(path.join(root, '.quilt'), { recursive: true });
  const lock = path.join(root, '.quilt', 'labmcp-seed.lock');
  writeFileSync(lock, '99999\n');
  const old = new Date(Date.now() - 5 * 60_000);
  utimesSync(lock, old, old);
  t.equal(await seedDemoRegistry(root), 'seeded');
  await check(t, root);
});
