/**
 * The demo package `demo/cells` of the local registry: two revisions with a README, a CSV and JSON metadata,
 * written with the core manifest writer (so their top hashes are real and fixed: the timestamps and bytes are
 * constants). Seeded once: a marker in `.quilt/` records it, so a package the user later deletes stays deleted.
 *
 * Several processes (PM2 instances) may start at once: an exclusive lock file lets one seed while the others
 * wait for its marker; a lock left by a crashed process is taken over after a minute. Every write is an
 * atomic rename of identical bytes, so even a broken lock cannot produce a torn package.
 */
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@labmcp/service-kit';
import {
  compareLogicalKeys,
  hashStream,
  type JsonObject,
  LocalStorage,
  type ManifestEntry,
  type ManifestHeader,
  NAMED_PACKAGES,
  Registry,
} from '../quilt/index.js';
import { formatFilePhysicalKey } from './physical-keys.js';

export const DEMO_PACKAGE = 'demo/cells';
const MARKER = '.quilt/labmcp-demo-seeded';
const LOCK = '.quilt/labmcp-seed.lock';
const STALE_LOCK_MS = 60_000;
const WAIT_MS = 30_000;

const README = `# demo/cells

A small demo package seeded by labmcp: cell counts from a (made-up) imaging run, in two revisions.

- \`cells.csv\`: one row per well (well, cell line, treatment, cell count).
- \`summary.json\` (second revision): counts per cell line and treatment.

Try \`package_browse\`, \`package_history\`, \`package_diff\`, \`package_file_read\` and \`search\` on it.
`;

const CELLS_V1 = `well,cell_line,treatment,count
A1,HeLa,control,1520
A2,HeLa,drug_a,1210
B1,U2OS,control,980
B2,U2OS,drug_a,765
`;

const CELLS_V2 = `${CELLS_V1}C1,HEK293,control,2110
C2,HEK293,drug_a,1874
`;

const SUMMARY = `${JSON.stringify(
  {
    HeLa: { control: 1520, drug_a: 1210 },
    U2OS: { control: 980, drug_a: 765 },
    HEK293: { control: 2110, drug_a: 1874 },
  },
  null,
  2,
)}\n`;

interface DemoFile {
  logicalKey: string;
  storageKey: string;
  body: string;
  meta: JsonObject;
}

interface DemoRevision {
  timestamp: number;
  header: ManifestHeader;
  files: DemoFile[];
}

export const DEMO_REVISIONS: DemoRevision[] = [
  {
    timestamp: 1767225600, // 2026-01-01T00:00:00Z
    header: {
      version: 'v0',
      user_meta: { project: 'demo', instrument: 'imager-1', run: 'run-001', cell_lines: ['HeLa', 'U2OS'] },
      message: 'first imaging run',
    },
    files: [
      { logicalKey: 'README.md', storageKey: 'demo/cells/README.md', body: README, meta: {} },
      {
        logicalKey: 'cells.csv',
        storageKey: 'demo/cells/v1/cells.csv',
        body: CELLS_V1,
        meta: { user_meta: { columns: ['well', 'cell_line', 'treatment', 'count'], rows: 4 } },
      },
    ],
  },
  {
    timestamp: 1767312000, // 2026-01-02T00:00:00Z
    header: {
      version: 'v0',
      user_meta: { project: 'demo', instrument: 'imager-1', run: 'run-002', cell_lines: ['HeLa', 'U2OS', 'HEK293'] },
      message: 'add HEK293 wells and a summary',
    },
    files: [
      { logicalKey: 'README.md', storageKey: 'demo/cells/README.md', body: README, meta: {} },
      {
        logicalKey: 'cells.csv',
        storageKey: 'demo/cells/cells.csv',
        body: CELLS_V2,
        meta: { user_meta: { columns: ['well', 'cell_line', 'treatment', 'count'], rows: 6 } },
      },
      { logicalKey: 'summary.json', storageKey: 'demo/cells/summary.json', body: SUMMARY, meta: { user_meta: { kind: 'summary', format: 'json' } } },
    ],
  },
];

export type SeedOutcome = 'seeded' | 'already-seeded' | 'package-exists' | 'seeded-by-another-process';

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function writeMarker(root: string, content: string): Promise<void> {
  const target = path.join(root, MARKER);
  const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, content);
  await rename(temp, target);
}

/** Seeds `demo/cells` into the local registry at `root` unless done before; safe when several processes race. */
export async function seedDemoRegistry(root: string, logger?: Pick<Logger, 'info' | 'warn'>): Promise<SeedOutcome> {
  await mkdir(path.join(root, '.quilt'), { recursive: true });
  const marker = path.join(root, MARKER);
  if (await exists(marker)) return 'already-seeded';
  const lock = path.join(root, LOCK);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await exists(marker)) return 'seeded-by-another-process';
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) {
      logger?.warn({ lock }, 'removing a stale demo-seed lock');
      await unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for another process to seed the demo package (lock ${lock})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    if (await exists(marker)) return 'seeded-by-another-process';
    const storage = await LocalStorage.open(root);
    const registry = new Registry(storage);
    if ((await storage.head(`${NAMED_PACKAGES}${DEMO_PACKAGE}/latest`)) !== undefined) {
      await writeMarker(root, 'existing\n');
      return 'package-exists';
    }
    const topHashes: string[] = [];
    for (const revision of DEMO_REVISIONS) {
      const entries: ManifestEntry[] = [];
      for (const file of revision.files) {
        const bytes = Buffer.from(file.body, 'utf8');
        await storage.put(file.storageKey, bytes);
        entries.push({
          logical_key: file.logicalKey,
          physical_keys: [formatFilePhysicalKey(path.join(storage.root, ...file.storageKey.split('/')))],
          size: bytes.length,
          hash: { type: 'sha2-256-chunked', value: await hashStream('sha2-256-chunked', single(bytes), bytes.length) },
          meta: file.meta,
        });
      }
      entries.sort((a, b) => compareLogicalKeys(a.logical_key, b.logical_key));
      const pushed = await registry.pushRevision(
        DEMO_PACKAGE,
        revision.header,
        entries.map((entry) => ({ entry })),
        { timestamp: revision.timestamp },
      );
      topHashes.push(pushed.topHash);
    }
    await writeMarker(root, `${topHashes.join('\n')}\n`);
    logger?.info({ package: DEMO_PACKAGE, registry: storage.url, topHashes }, 'seeded the demo package');
    return 'seeded';
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

async function* single(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** The top hashes the marker recorded (tests and health). */
export async function seededTopHashes(root: string): Promise<string[]> {
  const text = await readFile(path.join(root, MARKER), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l));
}
