/**
 * Issue #13, crash safety (bullet 4a: "kill -9 of quilt-mcp during a create of 999 inline entries left up to 999 inline
 * files and a temporary file that nothing ever removes"): `kill -9` of quilt-mcp at several points of a large package_create on the local
 * registry, then a restart on the same data folder. Two creates are interrupted: 999 inline texts (the issue's
 * case: each text becomes an object before the manifest is written) and 600 existing objects plus a 300 MiB file
 * (long hashing, then a large manifest). Each is killed after 20, 150 and 500 ms and once its progress
 * notifications say all bytes are hashed (the manifest and pointers are being written); the second also at half. Afterwards the registry must be as if the killed calls had
 * never run: no temporary file in the registry or the process's TMPDIR, no pointer for a package whose call did
 * not answer success, no object under its prefix that no manifest references, and every listed revision verifies.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import t from 'tap';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { startQuiltInstances } from '../helpers/quilt-instances.js';

const q = await startQuiltInstances({ count: 1, env: { QUILT_SEED_DEMO: 'false' } });
t.teardown(() => q.stop());
const token = await mintDemoToken({ dataDir: q.dataDir, subject: 'crash@example.com', scopes: ['read:packages', 'write:packages'] });

/** A raw v2 client (the shared helper does not pass onprogress); a fresh one after every restart. */
async function connect(): Promise<Client> {
  const client = new Client({ name: 'crash-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(q.urls[0] as string), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function ok(client: Client, name: string, args: Record<string, unknown>): Promise<Any> {
  const result = (await client.callTool({ name, arguments: args })) as Any;
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
  return result.structuredContent as Any;
}

// The objects the second create references, written straight into the registry folder. The large file is sparse
// (ftruncate): it reads and hashes like 300 MiB of data without costing the disk or the time to write it.
mkdirSync(q.registryRoot, { recursive: true }); // not there yet: QUILT_SEED_DEMO=false and nothing written
const root = realpathSync(q.registryRoot);
const sourceDir = path.join(root, 'sources');
mkdirSync(sourceDir, { recursive: true });
for (let i = 0; i < 600; i++) writeFileSync(path.join(sourceDir, `obj-${String(i).padStart(3, '0')}.txt`), `object ${i}\n`);
const big = openSync(path.join(sourceDir, 'big.bin'), 'w');
ftruncateSync(big, 300 * 1024 * 1024);
closeSync(big);

// 999 texts of 1000 bytes: under QUILT_INLINE_MAX_BYTES (1 MiB) and MAX_ENTRY_SPECS (1000).
const inlineEntries = Array.from({ length: 999 }, (_, i) => ({
  logical_key: `inline/t${String(i).padStart(3, '0')}.txt`,
  text: `${`${i}`.padEnd(999, '.')}\n`,
}));
const objectEntries = [
  ...Array.from({ length: 600 }, (_, i) => ({
    logical_key: `objects/o${String(i).padStart(3, '0')}.txt`,
    physical_key: `sources/obj-${String(i).padStart(3, '0')}.txt`,
  })),
  { logical_key: 'big.bin', physical_key: 'sources/big.bin' },
];

interface Attempt {
  pkg: string;
  /** The call answered success before the kill: only then may the package have a pointer. */
  succeeded: boolean;
  note: string;
}
const attempts: Attempt[] = [];

// A package that was committed before any crash: it must come through every kill and restart intact.
{
  const client = await connect();
  await ok(client, 'package_create', { package: 'crash/before', entries: inlineEntries.slice(0, 5) });
  await client.close();
}

/** Starts the create, kills the process when `when` resolves, restarts it, and records what the caller saw. */
async function killDuring(
  pkg: string,
  entries: Record<string, unknown>[],
  when: (progressAt: (fraction: number) => Promise<void>) => Promise<string>,
): Promise<void> {
  const client = await connect();
  let answered: 'success' | 'error' | undefined;
  const waiters: { fraction: number; reached: () => void }[] = [];
  const progressAt = (fraction: number) => new Promise<void>((reached) => waiters.push({ fraction, reached }));
  const started = Date.now();
  const pending = client
    .callTool(
      { name: 'package_create', arguments: { package: pkg, message: `killed ${pkg}`, entries } },
      {
        timeout: 120_000,
        onprogress: (p) => {
          for (const w of waiters) if (p.total !== undefined && p.total > 0 && p.progress >= p.total * w.fraction) w.reached();
        },
      },
    )
    .then(
      (r) => {
        answered = (r as Any).isError ? 'error' : 'success';
      },
      () => undefined, // the connection dies with the process
    );
  const trigger = await when(progressAt);
  const succeeded = answered === 'success';
  await q.kill(0, 'SIGKILL');
  // The SDK may keep waiting on a stream cut by the kill: closing the client ends the call, bounded either way.
  await client.close().catch(() => undefined);
  await Promise.race([pending, new Promise((r) => setTimeout(r, 2000).unref())]);
  t.comment(`${pkg}: ${trigger}, ${answered ?? 'no answer'} before the kill`);
  attempts.push({ pkg, succeeded, note: `${trigger}, killed at ${Date.now() - started} ms, ${answered ?? 'no answer'} before the kill` });
  await q.start(0);
}

const after = (ms: number) => async () => {
  await new Promise((r) => setTimeout(r, ms));
  return `after ${ms} ms`;
};

for (const ms of [20, 150, 500]) await killDuring(`crash/inline-${ms}ms`, inlineEntries, after(ms));
for (const ms of [20, 150, 500]) await killDuring(`crash/objects-${ms}ms`, objectEntries, after(ms));
/** Kills once progress reports `fraction` of the bytes hashed; bounded: without progress, after 30 s all the same (the note says so). */
const atProgress = (fraction: number, label: string) => async (progressAt: (fraction: number) => Promise<void>) => {
  const timeout = new Promise<string>((r) => setTimeout(() => r(`no progress at ${label} within 30 s`), 30_000).unref());
  return Promise.race([progressAt(fraction).then(() => `progress at ${label}`), timeout]);
};
await killDuring('crash/objects-half-hashed', objectEntries, atProgress(0.5, 'half the bytes hashed'));
// Hashing done: the manifest is being spooled and stored, then the pointers written.
await killDuring('crash/objects-all-hashed', objectEntries, atProgress(1, 'all bytes hashed'));
await killDuring('crash/inline-all-hashed', inlineEntries, atProgress(1, 'all bytes hashed'));

const client = await connect();
t.teardown(() => client.close());

/** Every file under a folder, as paths relative to it (hidden ones included). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

t.test('bullet 4a: no temporary file is left in the registry or in TMPDIR after the restart', async (t) => {
  const temps = filesUnder(root).filter((f) => path.basename(f).startsWith('.~labmcp-tmp-'));
  t.same(temps, [], `temporary files in the registry: ${temps.length}`);
  const tmp = readdirSync(q.tmpDir).filter((f) => f.startsWith('labmcp-'));
  t.same(tmp, [], `labmcp-* folders left in the process's TMPDIR: ${tmp.length}`);
});

t.test('bullet 4a: no pointer for a killed create unless it had answered success', async (t) => {
  for (const a of attempts) {
    const pointers = filesUnder(path.join(root, '.quilt', 'named_packages', a.pkg));
    if (a.succeeded) t.ok(pointers.includes('latest'), `${a.pkg} answered success before the kill and has latest`);
    else t.same(pointers, [], `${a.pkg} (${a.note}) has no pointer`);
  }
});

t.test("bullet 4a: every object under a killed package's prefix is referenced by some manifest", async (t) => {
  const referenced = new Set<string>();
  const manifests = path.join(root, '.quilt', 'packages');
  for (const name of existsSync(manifests) ? readdirSync(manifests) : []) {
    if (name.startsWith('.')) continue;
    const lines = readFileSync(path.join(manifests, name), 'utf8').split('\n').slice(1);
    for (const line of lines) {
      if (line.trim() === '') continue;
      for (const key of (JSON.parse(line) as { physical_keys?: string[] }).physical_keys ?? []) {
        if (key.startsWith('file://')) referenced.add(path.relative(root, fileURLToPath(key.split('?')[0] as string)));
      }
    }
  }
  t.ok(referenced.size > 0, 'manifests were read');
  for (const a of attempts) {
    const prefix = path.join(root, a.pkg);
    const orphans = filesUnder(prefix).filter((f) => !referenced.has(path.relative(root, path.join(prefix, f))));
    t.same(orphans.slice(0, 5), [], `${a.pkg} (${a.note}): ${orphans.length} objects no manifest references`);
  }
});

t.test('bullet 4a: every revision of every package verifies with check_files after the restarts', async (t) => {
  const { packages } = await ok(client, 'packages_list', { page_size: 1000 });
  t.ok(
    packages.some((p: Any) => p.name === 'crash/before'),
    'the package committed before the crashes is listed',
  );
  for (const { name } of packages as { name: string }[]) {
    const history = await ok(client, 'package_history', { package: name, with_messages: false, page_size: 200 });
    for (const rev of history.revisions as Any[]) {
      const v = await ok(client, 'package_verify', { package: name, revision: rev.top_hash, check_files: true });
      t.equal(v.ok, true, `${name}@${rev.timestamp} ${rev.top_hash.slice(0, 12)} verifies`);
    }
  }
});
