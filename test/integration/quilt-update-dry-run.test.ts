/**
 * package_update with dry_run, through a real quilt-mcp process and the official MCP clients, on the local registry
 * and on a versioned moto_server bucket: the dry run reports the changes (counts, the entries added, replaced and
 * removed, whether user_meta changes) and leaves the registry unchanged to the byte (every file and folder with its
 * content hash and times; on S3 every object version and delete marker, so even a write undone again shows, such as
 * a write record); the real update with the same arguments then makes the same changes; a dry run is refused
 * exactly as the update is (a stale expected_top_hash, a missing file, a key to remove that is not there, a file
 * where a folder is, the workflow's metadata and entries schemas).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { type Any, FIXTURES } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { bucketObjects, motoMissing } from '../../packages/quilt-mcp/test/helpers/moto.js';
import type { McpTestClient } from '../helpers/mcp-clients.js';
import { localQuilt, motoQuilt, ok, type RegistryTarget, refused } from '../helpers/quilt-tools.js';

/** Every file (size, mtime, sha-256) and folder (mtime: a file made and removed again in it changes it) under `root`. */
function localSnapshot(root: string): Map<string, string> {
  const all = new Map<string, string>();
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(d.parentPath, d.name);
    const s = statSync(full);
    const key = path.relative(root, full);
    if (d.isDirectory()) all.set(`${key}/`, `folder ${s.mtimeMs}`);
    else all.set(key, `${s.size} ${s.mtimeMs} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
  }
  all.set('./', `folder ${statSync(root).mtimeMs}`);
  return all;
}

const withoutVersion = (physicalKey: string | null) => physicalKey?.replace(/\?versionId=.*$/, '') ?? null;

async function scenario(t: Test, target: RegistryTarget, snapshot: () => Promise<Map<string, string>>): Promise<void> {
  const [modern, legacy] = target.clients;
  const reg = target.registry === undefined ? {} : { registry: target.registry };
  const files: Record<string, string> = {
    'raw/a.csv': 'a,1\n',
    'raw/b.csv': 'b,22\n',
    'raw/new.txt': 'new file\n',
    'raw/dir/x.csv': 'x\n',
    'raw/dir/y.csv': 'yy\n',
  };
  for (const [key, text] of Object.entries(files)) await target.put(key, text);
  const created = await ok(modern, 'package_create', {
    ...reg,
    package: 'dry/pkg',
    message: 'first',
    meta: { project: 'p', n: 1 },
    entries: [
      { logical_key: 'README.md', text: '# first\n' },
      { logical_key: 'data/a.csv', physical_key: 'raw/a.csv' },
      { logical_key: 'data/b.csv', physical_key: 'raw/b.csv' },
      { logical_key: 'notes.txt', physical_key: 'raw/new.txt' },
      { logical_key: 'old/one.txt', text: 'one' },
      { logical_key: 'old/two.txt', text: 'two' },
    ],
  });
  const update = {
    ...reg,
    package: 'dry/pkg',
    message: 'second',
    expected_top_hash: created.top_hash,
    set: [
      { logical_key: 'data/a.csv', physical_key: 'raw/b.csv' },
      { logical_key: 'data/new.txt', physical_key: `${target.prefix}/raw/new.txt` },
      { logical_key: 'README.md', text: '# second, longer\n' },
      { logical_key: 'notes.txt', meta: { reviewed: true } },
    ],
    remove: ['old/'],
    directories: [{ physical_prefix: 'raw/dir/', logical_prefix: 'more/' }],
    meta: { n: 2 },
    meta_mode: 'merge',
  };
  /** Each case is refused on a dry run, which writes nothing, and then by the update, with the same text. */
  const refusedAlike = async (t: Test, client: McpTestClient, cases: [string, Record<string, unknown>, RegExp][]) => {
    for (const [label, args, why] of cases) {
      const before = await snapshot();
      const dryText = await refused(client, 'package_update', { ...reg, package: 'dry/pkg', ...args, dry_run: true });
      t.same(await snapshot(), before, `${label}: nothing written by the dry run`);
      t.match(dryText, why, `${label}: ${dryText}`);
      t.equal(await refused(client, 'package_update', { ...reg, package: 'dry/pkg', ...args }), dryText, `${label}: refused as the update is`);
    }
  };
  const historyBefore = await ok(modern, 'package_history', { ...reg, package: 'dry/pkg' });

  await t.test('the argument is in the JSON Schema', async (t) => {
    const tool = (await modern.listTools()).tools.find((x) => x.name === 'package_update') as Any;
    t.match(tool.inputSchema.properties.dry_run, { type: 'boolean', default: false, description: /hashing and writing nothing/ });
    t.ok(tool.outputSchema.properties.planned, 'the answer has planned');
    t.notOk((tool.inputSchema.required ?? []).includes('dry_run'), 'dry_run is optional');
  });

  let dry: Any = {};
  await t.test('a dry run reports the changes and writes nothing', async (t) => {
    const before = await snapshot();
    dry = await ok(legacy, 'package_update', { ...update, dry_run: true });
    const text = (await legacy.callTool('package_update', { ...update, dry_run: true })).content?.[0]?.text ?? '';
    const unchanged = await ok(modern, 'package_update', { ...reg, package: 'dry/pkg', message: 'only a message', dry_run: true });
    t.same(await snapshot(), before, 'every file / object (and version) is as it was');
    t.same(await ok(modern, 'package_history', { ...reg, package: 'dry/pkg' }), historyBefore, 'no revision');
    t.match(dry, {
      dry_run: true,
      base_top_hash: created.top_hash,
      top_hash: null,
      timestamp: null,
      manifest_bytes: null,
      uri: null,
      entries: 7,
      changes: { added: 3, replaced: 2, removed: 2, meta_updated: 1 },
      user_meta_changed: true,
      workflow: null,
    });
    t.same(dry.planned, {
      added: [
        { logical_key: 'data/new.txt', physical_key: `${target.prefix}/raw/new.txt`, size: 9 },
        { logical_key: 'more/x.csv', physical_key: `${target.prefix}/raw/dir/x.csv`, size: 2 },
        { logical_key: 'more/y.csv', physical_key: `${target.prefix}/raw/dir/y.csv`, size: 3 },
      ],
      replaced: [
        { logical_key: 'README.md', physical_key: null, size: 17 },
        { logical_key: 'data/a.csv', physical_key: `${target.prefix}/raw/b.csv`, size: 5 },
      ],
      removed: ['old/one.txt', 'old/two.txt'],
      meta_updated: ['notes.txt'],
    });
    // README.md 17 + data/a.csv 5 + data/b.csv 5 + data/new.txt 9 + more/ 2 + 3 + notes.txt 9.
    t.equal(dry.total_size, 50);
    t.match(text, /^Dry run: dry\/pkg from [0-9a-f]{12} would get 3 added, 2 replaced, 2 removed, 1 metadata changes, new package metadata; 7 entries/);
    t.match(text, /\n- old\/one\.txt\n/);
    t.match(unchanged, { changes: { added: 0, replaced: 0, removed: 0, meta_updated: 0 }, user_meta_changed: false, entries: 6 });
  });

  await t.test('the update with the same arguments makes the same changes', async (t) => {
    const made = await ok(modern, 'package_update', update);
    t.match(made, { dry_run: false, planned: null, base_top_hash: created.top_hash, user_meta_changed: true });
    t.same(made.changes, dry.changes);
    t.equal(made.entries, dry.entries);
    t.equal(made.total_size, dry.total_size);
    const browse = await ok(modern, 'package_browse', { ...reg, package: 'dry/pkg' });
    const byKey = new Map<string, Any>(browse.entries.map((e: Any) => [e.logical_key, e]));
    t.same([...byKey.keys()], ['README.md', 'data/a.csv', 'data/b.csv', 'data/new.txt', 'more/x.csv', 'more/y.csv', 'notes.txt']);
    for (const planned of [...dry.planned.added, ...dry.planned.replaced]) {
      const entry = byKey.get(planned.logical_key);
      t.equal(entry?.size, planned.size, `${planned.logical_key}: size`);
      if (planned.physical_key === null) t.match(entry?.physical_key, /\/dry\/pkg\/\.inline\//, `${planned.logical_key}: stored inline`);
      else t.equal(withoutVersion(entry?.physical_key), planned.physical_key, `${planned.logical_key}: physical key`);
    }
    t.same(browse.meta.user_meta, { project: 'p', n: 2 });
  });

  await t.test('a dry run is refused as the update is, and writes nothing', async (t) => {
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['a stale expected_top_hash', { expected_top_hash: created.top_hash, message: 'x' }, /someone pushed in between/],
      ['a missing file', { set: [{ logical_key: 'gone.csv', physical_key: 'raw/gone.csv' }] }, /No object "raw\/gone.csv"/],
      ['a missing folder', { directories: [{ physical_prefix: 'raw/none/' }] }, /No objects under "raw\/none\/"/],
      ['a key to remove that is not there', { remove: ['nope.txt', 'old/'] }, /has no "nope.txt", "old\/"/],
      ['a file under a file', { set: [{ logical_key: 'data/a.csv/x', text: 'x' }] }, /both a file and a directory/],
      ['a file outside the registry', { set: [{ logical_key: 'x', physical_key: '../outside.txt' }] }, /Refused|outside|\.\./],
      ['the registry internals', { set: [{ logical_key: 'x', physical_key: '.quilt/named_packages/dry/pkg/latest' }] }, /\.quilt/],
    ];
    await refusedAlike(t, modern, refusals);
  });

  await t.test("the workflow's metadata and entries schemas are checked", async (t) => {
    await target.put('schemas/superheroes.schema.json', readFixture('superheroes.schema.json'));
    await target.put('schemas/must-contain-readme.json', readFixture('must-contain-readme.json'));
    await target.put(
      '.quilt/workflows/config.yml',
      [
        'version: "1"',
        'workflows:',
        '  heroes:',
        '    name: Heroes',
        '    metadata_schema: superheroes',
        '  readme:',
        '    name: Needs a README',
        '    entries_schema: must-contain-readme',
        'schemas:',
        '  superheroes:',
        `    url: ${target.prefix}/schemas/superheroes.schema.json`,
        '  must-contain-readme:',
        `    url: ${target.prefix}/schemas/must-contain-readme.json`,
        '',
      ].join('\n'),
    );
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['metadata_schema', { workflow: 'heroes', meta: { superhero: 'Joker' }, meta_mode: 'merge' }, /metadata_schema "superheroes"/],
      ['entries_schema', { workflow: 'readme', remove: ['README.md'] }, /entries_schema "must-contain-readme"/],
      ['a workflow required', { remove: ['README.md'] }, /is_workflow_required/],
    ];
    await refusedAlike(t, legacy, cases);
    const before = await snapshot();
    const passes = await ok(modern, 'package_update', { ...reg, package: 'dry/pkg', workflow: 'readme', remove: ['notes.txt'], dry_run: true });
    t.same(await snapshot(), before, 'a dry run that passes the workflow writes nothing');
    t.match(passes, { workflow: { id: 'readme', config: new RegExp(`^${target.prefix}/\\.quilt/workflows/config\\.yml`) }, changes: { removed: 1 } });
  });
}

function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURES, 'workflows', name), 'utf8');
}

t.test('local registry', async (t) => {
  const { instances, target } = await localQuilt(t);
  await scenario(t, target, async () => localSnapshot(instances.registryRoot));
});

t.test('moto_server, versioned bucket', { skip: motoMissing }, async (t) => {
  const { moto, target } = await motoQuilt(t, 'drybucket', { versioned: true });
  const objects = bucketObjects(moto.client, 'drybucket');
  await scenario(t, target, () => objects.listAllVersions());
});
