/** package_create / package_update / package_delete on a local registry, and path confinement through the tools. */

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { computeManifestTopHash, hashStream, LocalStorage, Registry } from '../../src/quilt/index.js';
import { bucketObjectsList, bucketObjectText } from '../../src/tools/bucket-objects.js';
import { packageBrowse } from '../../src/tools/package-browse.js';
import { packageCreate } from '../../src/tools/package-create.js';
import { packageDelete } from '../../src/tools/package-delete.js';
import { packageFileRead } from '../../src/tools/package-file-read.js';
import { packageHistory } from '../../src/tools/package-history.js';
import { packageUpdate } from '../../src/tools/package-update.js';
import { packageVerify } from '../../src/tools/package-verify.js';
import { type Any, caller, harness, tempDir } from '../helpers/harness.js';

const base = await tempDir(t, 'write');
const root = path.join(base, 'registry');
const outside = path.join(base, 'outside');
mkdirSync(path.join(root, 'raw', 'run1'), { recursive: true });
mkdirSync(outside);
writeFileSync(path.join(root, 'raw', 'run1', 'a.csv'), 'x,y\n1,2\n');
writeFileSync(path.join(root, 'raw', 'run1', 'b.bin'), Buffer.from([0, 1, 2, 3, 255]));
writeFileSync(path.join(root, 'raw', 'notes.txt'), 'hello notes\n');
writeFileSync(path.join(outside, 'secret.txt'), 'secret');
symlinkSync(outside, path.join(root, 'escape'));
symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));

const h = harness({ localRoot: root });
t.teardown(() => h.access.close());

function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => `${path.relative(dir, path.join(d.parentPath, d.name))}:${d.isFile() ? statSync(path.join(d.parentPath, d.name)).mtimeMs : 'dir'}`)
    .sort();
}
const outsideBefore = snapshot(outside);
/** Where the first revision's inline README.md was stored. */
let firstReadme = '';

async function recompute(topHash: string) {
  return computeManifestTopHash(createReadStream(path.join(root, '.quilt', 'packages', topHash)));
}

t.test('package_create from objects, a folder and inline text', async (t) => {
  h.progress.length = 0;
  const created = await h.call<Any>(packageCreate, {
    package: 'lab/run1',
    message: 'first run',
    meta: { project: 'x', n: 1, ratio: 0.5, tags: ['a', 'b'] },
    entries: [
      { logical_key: 'README.md', text: '# Run 1\nnotes here\n', meta: { kind: 'readme' } },
      { logical_key: 'notes.txt', physical_key: 'raw/notes.txt' },
      { logical_key: 'extra/notes-again.txt', physical_key: `file://${root}/raw/notes.txt` },
    ],
    directories: [{ physical_prefix: 'raw/run1/', logical_prefix: 'data/' }],
  });
  t.match(created, { package: 'lab/run1', entries: 5, inline_written: 1 });
  t.match(created.uri, /^quilt\+file:\/\/\/.*#package=lab\/run1@[0-9a-f]{64}$/);
  const again = await recompute(created.top_hash);
  t.equal(again.topHash, created.top_hash, 'the manifest recomputes to its top hash with the core library');
  t.equal(again.entries, 5);
  t.ok(h.progress.length > 0, 'progress reported');
  const browse = await h.call<Any>(packageBrowse, { package: 'lab/run1' });
  t.same(
    browse.entries.map((e: Any) => e.logical_key),
    ['data/a.csv', 'data/b.bin', 'extra/notes-again.txt', 'notes.txt', 'README.md'].sort((a, b) => (a < b ? -1 : 1)),
  );
  t.match(browse.meta, { message: 'first run', user_meta: { project: 'x', n: 1, ratio: 0.5 } });
  const readme = browse.entries.find((e: Any) => e.logical_key === 'README.md');
  t.match(
    readme.physical_key,
    new RegExp(`^file://${root}/lab/run1/\\.inline/\\d{8}T\\d{6}Z-[0-9a-f]{16}/README\\.md$`),
    'inline text stored under a key unique to its write',
  );
  firstReadme = fileURLToPath(readme.physical_key);
  t.equal(readFileSync(firstReadme, 'utf8'), '# Run 1\nnotes here\n');
  t.match(await h.call<Any>(packageVerify, { package: 'lab/run1', check_files: true }), { ok: true, files: { checked: 5, ok: 5 } });
  const first = readFileSync(path.join(root, '.quilt', 'packages', created.top_hash), 'utf8').split('\n')[0];
  t.equal(first, '{"version": "v0", "user_meta": {"project": "x", "n": 1, "ratio": 0.5, "tags": ["a", "b"]}, "message": "first run"}', 'quilt3 header layout');
  t.match(await h.fail(packageCreate, { package: 'lab/run1', entries: [{ logical_key: 'a', text: 'a' }] }), /already exists/);
});

t.test('package_update: add, replace, remove, metadata', async (t) => {
  const before = await h.call<Any>(packageHistory, { package: 'lab/run1' });
  const updated = await h.call<Any>(packageUpdate, {
    package: 'lab/run1',
    message: 'second',
    expected_top_hash: before.latest.slice(0, 10),
    set: [
      { logical_key: 'README.md', text: '# Run 1 (revised)\n' },
      { logical_key: 'data/c.txt', text: 'new file\n' },
      { logical_key: 'notes.txt', meta: { reviewed: true } },
    ],
    remove: ['extra/', 'data/b.bin'],
    meta: { n: 2, tags: null },
    meta_mode: 'merge',
  });
  t.same(updated.changes, { added: 1, replaced: 1, removed: 2, meta_updated: 1 });
  t.equal(updated.base_top_hash, before.latest);
  t.equal((await recompute(updated.top_hash)).topHash, updated.top_hash);
  const browse = await h.call<Any>(packageBrowse, { package: 'lab/run1' });
  t.same(
    browse.entries.map((e: Any) => e.logical_key),
    ['README.md', 'data/a.csv', 'data/c.txt', 'notes.txt'],
  );
  t.same(browse.meta.user_meta, { project: 'x', n: 2, ratio: 0.5 });
  t.same(browse.entries.find((e: Any) => e.logical_key === 'notes.txt').meta, { user_meta: { reviewed: true } });
  // The new README.md went to a key of its own: the object the first revision needs is untouched.
  t.equal(readFileSync(firstReadme, 'utf8'), '# Run 1\nnotes here\n');
  t.not(fileURLToPath(browse.entries.find((e: Any) => e.logical_key === 'README.md').physical_key), firstReadme);
  t.match((await h.call<Any>(packageFileRead, { package: 'lab/run1', logical_key: 'README.md' })).text, /revised/);
  t.match(
    await h.call<Any>(packageVerify, { package: 'lab/run1', revision: before.latest, check_files: true }),
    { ok: true },
    'the old revision still verifies',
  );
  t.equal((await h.call<Any>(packageHistory, { package: 'lab/run1' })).revisions.length, 2, 'two pointers even within one second');
  t.match(await h.fail(packageUpdate, { package: 'lab/run1', expected_top_hash: before.latest, message: 'x' }), /someone pushed in between/);
  t.match(await h.fail(packageUpdate, { package: 'lab/run1', remove: ['nope.txt'] }), /has no "nope.txt"/);
  t.match(await h.fail(packageUpdate, { package: 'lab/run1', set: [{ logical_key: 'data/a.csv/x', text: 'x' }] }), /both a file and a directory/);
  t.equal((await h.call<Any>(packageHistory, { package: 'lab/run1' })).revisions.length, 2, 'failed updates pushed nothing');
});

t.test('package_delete needs confirmation and keeps the data', async (t) => {
  t.match(await h.fail(packageDelete, { package: 'lab/run1' }), /confirm: "lab\/run1"/);
  t.match(await h.fail(packageDelete, { package: 'lab/run1', confirm: 'lab/other' }), /without confirmation/);
  const history = await h.call<Any>(packageHistory, { package: 'lab/run1' });
  const one = await h.call<Any>(packageDelete, { package: 'lab/run1', revision: history.latest, confirm: 'lab/run1' });
  t.match(one, { deleted: 'revision', top_hash: history.latest, latest: history.revisions[0].top_hash });
  const all = await h.call<Any>(packageDelete, { package: 'lab/run1', confirm: 'lab/run1' });
  t.match(all, { deleted: 'package', deleted_pointers: 2, data_kept: true });
  t.ok(existsSync(path.join(root, '.quilt', 'packages', history.latest)), 'manifest kept');
  t.ok(existsSync(firstReadme), 'data kept');
  t.match(await h.fail(packageHistory, { package: 'lab/run1' }), /No package lab\/run1/);
  t.match(await h.fail(packageDelete, { package: 'lab/run1', confirm: 'lab/run1' }), /No package/);
});

t.test('package names follow quilt3: letters and digits of any script', async (t) => {
  const created = await h.call<Any>(packageCreate, { package: 'labo/données_2', entries: [{ logical_key: 'a.txt', text: 'a' }] });
  t.equal(created.package, 'labo/données_2');
  t.equal((await h.call<Any>(packageHistory, { package: 'labo/données_2' })).latest, created.top_hash);
  t.match(
    await h.fail(packageCreate, { package: 'labo/données 2', entries: [{ logical_key: 'a.txt', text: 'a' }] }),
    /user\/package/,
    'a space is not a word character',
  );
});

t.test('path escapes through the tools are refused and touch nothing outside', async (t) => {
  const attempts: [string, Record<string, unknown>][] = [
    ['dotdot physical key', { physical_key: '../outside/secret.txt' }],
    ['absolute physical key', { physical_key: '/etc/passwd' }],
    ['file URL outside', { physical_key: `file://${outside}/secret.txt` }],
    ['file URL with ..', { physical_key: `file://${root}/../outside/secret.txt` }],
    ['folder symlink', { physical_key: 'escape/secret.txt' }],
    ['file symlink', { physical_key: 'secret-link.txt' }],
    ['registry internals', { physical_key: '.quilt/named_packages/x' }],
    ['s3 key in a local registry', { physical_key: 's3://bucket/key' }],
  ];
  for (const [label, entry] of attempts) {
    const msg = await h.fail(packageCreate, { package: 'evil/pkg', entries: [{ logical_key: 'x.txt', ...entry }] });
    t.match(msg, /Refused|outside|not an object|inside the registry's own|No object|not in this registry/i, `${label}: ${msg}`);
  }
  for (const key of ['../x', '/abs', 'a//b', 'a/./b', 'a/../b']) {
    t.match(await h.fail(packageCreate, { package: 'evil/pkg', entries: [{ logical_key: key, text: 'x' }] }), /logical key/i, `logical key ${key}`);
  }
  t.match(await h.fail(packageCreate, { package: 'evil/pkg', directories: [{ physical_prefix: 'escape/' }] }), /Refused|outside|No objects/);
  t.match(await h.fail(packageCreate, { package: 'evil/pkg', directories: [{ physical_prefix: '../outside' }] }), /Refused/);
  t.match(await h.fail(bucketObjectText, { key: 'escape/secret.txt' }), /Refused|outside/);
  t.match(await h.fail(bucketObjectText, { key: 'secret-link.txt' }), /Refused|outside/);
  t.match(await h.fail(bucketObjectsList, { prefix: 'escape/' }), /Refused|outside/);
  t.match(await h.fail(packageCreate, { package: 'evil/pkg', registry: `file://${outside}`, entries: [{ logical_key: 'x', text: 'x' }] }), /Unknown registry/);

  // A manifest (written by someone else) whose physical key leads out is not followed.
  const registry = new Registry(await LocalStorage.open(root));
  const pushed = await registry.pushRevision('evil/manifest', { version: 'v0', message: null }, [
    {
      entry: { logical_key: 'secret.txt', physical_keys: [`file://${outside}/secret.txt`], size: 6, hash: { type: 'SHA256', value: '0'.repeat(64) }, meta: {} },
    },
  ]);
  t.match(await h.fail(packageFileRead, { package: 'evil/manifest', logical_key: 'secret.txt' }), /Refused: physical key .* is outside the registry root/);
  const verify = await h.call<Any>(packageVerify, { package: 'evil/manifest', revision: pushed.topHash, check_files: true });
  t.match(verify, { ok: false, files: { unreadable: 1 }, mismatches: [{ problem: 'outside_registry' }] });
  t.same(snapshot(outside), outsideBefore, 'nothing outside the root changed');
  t.notOk(existsSync(path.join(root, '.quilt', 'named_packages', 'evil', 'pkg')), 'no package was created');
});

t.test('verify handles SHA256 and CRC64NVME entries and reports each bad file', async (t) => {
  const registry = new Registry(await LocalStorage.open(root));
  const file = (key: string) => `file://${root}/${key}`;
  const bytes = readFileSync(path.join(root, 'raw', 'notes.txt'));
  const sha = createHash('sha256').update(bytes).digest('hex');
  const crc = await hashStream('CRC64NVME', Readable.from([bytes]), bytes.length);
  const pushed = await registry.pushRevision(
    'lab/hashes',
    { version: 'v0', message: 'hash types' },
    [
      { entry: { logical_key: 'a-sha.txt', physical_keys: [file('raw/notes.txt')], size: bytes.length, hash: { type: 'SHA256', value: sha }, meta: {} } },
      { entry: { logical_key: 'b-crc.txt', physical_keys: [file('raw/notes.txt')], size: bytes.length, hash: { type: 'CRC64NVME', value: crc }, meta: {} } },
      {
        entry: {
          logical_key: 'c-bad.txt',
          physical_keys: [file('raw/notes.txt')],
          size: bytes.length,
          hash: { type: 'SHA256', value: '0'.repeat(64) },
          meta: {},
        },
      },
      { entry: { logical_key: 'd-gone.txt', physical_keys: [file('raw/gone.txt')], size: 1, hash: { type: 'SHA256', value: '0'.repeat(64) }, meta: {} } },
      { entry: { logical_key: 'e-odd.txt', physical_keys: [file('raw/notes.txt')], size: bytes.length, hash: { type: 'MD5', value: 'x' }, meta: {} } },
    ],
    { timestamp: 1_700_000_000 },
  );
  const v = await h.call<Any>(packageVerify, { package: 'lab/hashes', check_files: true });
  t.match(v, { ok: false, top_hash: pushed.topHash, top_hash_ok: true, files: { checked: 5, ok: 2, mismatched: 1, missing: 1, unreadable: 1 } });
  t.same(
    v.mismatches.map((m: Any) => [m.logical_key, m.problem]),
    [
      ['c-bad.txt', 'hash'],
      ['d-gone.txt', 'missing'],
      ['e-odd.txt', 'unsupported_hash'],
    ],
  );
  t.equal(
    (await h.call<Any>(packageBrowse, { package: 'lab/hashes', revision: '2023-11-15T00:00:00Z' })).top_hash,
    pushed.topHash,
    'an ISO time names the revision current then',
  );
  t.match(await h.fail(packageBrowse, { package: 'lab/hashes', revision: '2020-01-01' }), /no revision at or before/);
  t.match(await h.fail(packageUpdate, { package: 'lab/nothing', message: 'x' }), /No package lab\/nothing/);
});

t.test('missing write scope', async (t) => {
  t.match(await h.fail(packageCreate, { package: 'lab/x', entries: [{ logical_key: 'a', text: 'a' }] }, caller('reader', ['read:packages'])), /write:packages/);
});

t.test('package_update dry_run lists at most 1000 changes of each kind and counts all', async (t) => {
  mkdirSync(path.join(root, 'raw', 'many'), { recursive: true });
  for (let i = 0; i < 1001; i++) writeFileSync(path.join(root, 'raw', 'many', `f${String(i).padStart(4, '0')}.txt`), 'x');
  await h.call<Any>(packageCreate, { package: 'lab/many', entries: [{ logical_key: 'README.md', text: 'many' }] });
  const before = snapshot(root);
  const dry = await h.call<Any>(packageUpdate, { package: 'lab/many', directories: [{ physical_prefix: 'raw/many/', logical_prefix: 'f/' }], dry_run: true });
  t.same(snapshot(root), before, 'nothing written');
  t.match(dry, { dry_run: true, top_hash: null, entries: 1002, total_size: 1005, changes: { added: 1001, replaced: 0, removed: 0, meta_updated: 0 } });
  t.equal(dry.planned.added.length, 1000, 'the first 1000 listed');
  t.same(dry.planned.added[999], { logical_key: 'f/f0999.txt', physical_key: `file://${root}/raw/many/f0999.txt`, size: 1 });
});

t.test("package_update: user_meta merged past quilt3's record limit is refused before anything is hashed, dry run or not", async (t) => {
  // Tool arguments hold at most 64 KiB of metadata; latest's own user_meta (from quilt3, say) can be near the limit.
  writeFileSync(path.join(root, 'raw', 'near-limit.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  const registry = new Registry(await LocalStorage.open(root));
  const pushed = await registry.pushRevision('lab/near-limit', { version: 'v0', user_meta: { blob: 'x'.repeat(999_000) }, message: null }, [
    { entry: { logical_key: 'a.txt', physical_keys: [`file://${root}/raw/notes.txt`], size: 12, hash: { type: 'SHA256', value: '0'.repeat(64) }, meta: {} } },
  ]);
  const before = snapshot(root);
  const more = { more: 'y'.repeat(2000) };
  for (const dry_run of [true, false]) {
    h.progress.length = 0;
    const args = { package: 'lab/near-limit', meta: more, meta_mode: 'merge', set: [{ logical_key: 'b.bin', physical_key: 'raw/near-limit.bin' }], dry_run };
    t.match(
      await h.fail(packageUpdate, args),
      /^The package metadata would make a manifest record of 1001\d\d\d bytes; quilt3 reads records of at most 1000000\. This call recorded no revision/,
      `dry_run ${dry_run}`,
    );
    t.same(h.progress, [], `nothing hashed, dry_run ${dry_run}`);
    // Replacing it instead fits: the same call is answered.
    if (dry_run) t.match(await h.call<Any>(packageUpdate, { ...args, meta_mode: 'replace' }), { dry_run: true, entries: 2, changes: { added: 1 } });
  }
  t.same(snapshot(root), before, 'nothing written');
  t.equal((await h.call<Any>(packageHistory, { package: 'lab/near-limit' })).revisions[0].top_hash, pushed.topHash, 'no revision recorded');
});
