/**
 * The write scenarios of issue #13 (parallel, conflicting and refused Quilt writes) as functions of a target:
 * one registry (local folder or S3 bucket) reached through one or more quilt-mcp instances, calls alternating
 * between them. Each scenario asserts, for every call, what its own answer says and what a fresh read of the
 * registry shows afterwards, so the same function serves every (backend, instances) row of the table test and
 * the named regression tests of the bullets.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import type { Any } from '../../packages/quilt-mcp/test/helpers/harness.js';
import type { McpTestClient, ToolResult } from './mcp-clients.js';

/** Parallel calls per scenario: the "at least 20". */
export const WRITERS = 20;

/** An object every backend holds before the scenarios run, shared by the creates' entries. */
export const SHARED_KEY = 'shared/data.csv';
export const SHARED_BYTES = 'well,value\nA1,1\nA2,2\n';

/** The registry's objects read and written directly, not through quilt-mcp. */
export interface Store {
  put: (key: string, body: string | Buffer) => Promise<void>;
  get: (key: string) => Promise<Buffer | undefined>;
  /** Every object (and, locally, folder) with a fingerprint: equal maps mean nothing was written. */
  listAll: () => Promise<Map<string, string>>;
}

export interface WriteTarget {
  /** `<backend>/<instances>`, e.g. `local/2`: names the test and the packages. */
  label: string;
  /** The `registry` argument (undefined: the default local registry). */
  registry: string | undefined;
  /** One client per instance; the i-th parallel call goes to clients[i % length]. */
  clients: McpTestClient[];
  store: Store;
}

/** A local registry folder as a Store; files are fingerprinted by size and mtime, folders by existence. */
export function localStore(root: string): Store {
  return {
    put: async (key, body) => {
      mkdirSync(path.dirname(path.join(root, key)), { recursive: true });
      writeFileSync(path.join(root, key), body);
    },
    get: async (key) => (existsSync(path.join(root, key)) ? readFileSync(path.join(root, key)) : undefined),
    listAll: async () => {
      const all = new Map<string, string>();
      if (!existsSync(root)) return all;
      for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
        const full = path.join(d.parentPath, d.name);
        const key = path.relative(root, full).split(path.sep).join('/');
        if (d.isDirectory()) all.set(`${key}/`, 'folder');
        else {
          const s = statSync(full);
          all.set(key, `${s.size} ${s.mtimeMs}`);
        }
      }
      return all;
    },
  };
}

export const textOf = (r: ToolResult): string => (r.content ?? []).map((c) => c.text ?? '').join('\n');

/** A tool call whose transport failure is an isError result too, so one failed request shows as that call's failure. */
export async function call(client: McpTestClient, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  try {
    return await client.callTool(name, args);
  } catch (err) {
    return { isError: true, content: [{ type: 'text', text: `transport error: ${(err as Error).message}` }] };
  }
}

export async function ok(target: WriteTarget, name: string, args: Record<string, unknown>): Promise<Any> {
  const result = await call(target.clients[0] as McpTestClient, name, { ...reg(target), ...args });
  if (result.isError) throw new Error(`${name} failed: ${textOf(result)}`);
  return result.structuredContent as Any;
}

const reg = (target: WriteTarget) => (target.registry === undefined ? {} : { registry: target.registry });

/** `count` calls at once, the i-th to instance i % instances. */
export async function parallel(target: WriteTarget, count: number, make: (i: number) => [string, Record<string, unknown>]): Promise<ToolResult[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const [name, args] = make(i);
      return call(target.clients[i % target.clients.length] as McpTestClient, name, { ...reg(target), ...args });
    }),
  );
}

interface Outcome {
  i: number;
  result: ToolResult;
  sc: Any;
}
const wins = (results: ToolResult[]): Outcome[] => results.flatMap((result, i) => (result.isError ? [] : [{ i, result, sc: result.structuredContent as Any }]));
const losses = (results: ToolResult[]): { i: number; text: string }[] => results.flatMap((result, i) => (result.isError ? [{ i, text: textOf(result) }] : []));

export interface History {
  latest: string | null;
  revisions: { timestamp: number; top_hash: string }[];
}

/** Every revision of a package (all pages); none when the package does not exist. */
export async function history(target: WriteTarget, pkg: string): Promise<History> {
  const revisions: History['revisions'] = [];
  let latest: string | null = null;
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const result = await call(target.clients[0] as McpTestClient, 'package_history', {
      ...reg(target),
      package: pkg,
      with_messages: false,
      page_size: 200,
      ...(cursor ? { cursor } : {}),
    });
    if (result.isError) {
      if (page === 0 && /not found|no package|does not exist|unknown package/i.test(textOf(result))) return { latest: null, revisions: [] };
      throw new Error(`package_history ${pkg} failed: ${textOf(result)}`);
    }
    const sc = result.structuredContent as Any;
    latest = sc.latest;
    revisions.push(...sc.revisions.map((r: Any) => ({ timestamp: r.timestamp, top_hash: r.top_hash })));
    cursor = sc.next_cursor;
    if (!cursor) break;
  }
  return { latest, revisions };
}

/** package_verify with check_files; the failure, or undefined when the revision verifies. */
export async function verifyProblem(target: WriteTarget, pkg: string, topHash: string): Promise<string | undefined> {
  const result = await call(target.clients[0] as McpTestClient, 'package_verify', { ...reg(target), package: pkg, revision: topHash, check_files: true });
  if (result.isError) return textOf(result).slice(0, 200);
  const sc = result.structuredContent as Any;
  return sc.ok === true ? undefined : JSON.stringify(sc.mismatches).slice(0, 300);
}

export async function browseAll(
  target: WriteTarget,
  pkg: string,
  revision: string,
): Promise<{ keys: string[]; entries: Any[]; summary: Any; top_hash: string }> {
  const entries: Any[] = [];
  let cursor: string | null = null;
  let last: Any = {};
  for (let page = 0; page < 20; page++) {
    last = await ok(target, 'package_browse', { package: pkg, revision, page_size: 1000, ...(cursor ? { cursor } : {}) });
    entries.push(...last.entries);
    cursor = last.next_cursor;
    if (!cursor) break;
  }
  return { keys: entries.map((e) => e.logical_key), entries, summary: last.summary, top_hash: last.top_hash };
}

export async function readText(target: WriteTarget, pkg: string, revision: string, key: string): Promise<string | undefined> {
  const result = await call(target.clients[0] as McpTestClient, 'package_file_read', { ...reg(target), package: pkg, revision, logical_key: key });
  return result.isError ? `(error: ${textOf(result).slice(0, 120)})` : (result.structuredContent as Any).text;
}

async function eachLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/**
 * Invariant 1 for every success: its (top_hash, timestamp) is in package_history, it verifies with check_files,
 * and (where given) the file it wrote reads back, at its own top hash, with its own text.
 */
export async function assertDurable(
  t: Test,
  target: WriteTarget,
  pkg: string,
  successes: { top_hash: string; timestamp: number; key?: string; text?: string }[],
): Promise<void> {
  const hist = await history(target, pkg);
  const listed = new Set(hist.revisions.map((r) => `${r.timestamp} ${r.top_hash}`));
  const missing = successes.filter((s) => !listed.has(`${s.timestamp} ${s.top_hash}`));
  t.same(
    missing.map((s) => `${s.timestamp} ${s.top_hash.slice(0, 12)}`),
    [],
    `every reported (timestamp, top_hash) is in package_history (${missing.length} of ${successes.length} missing)`,
  );
  const problems = (await eachLimit(successes, 4, async (s) => [s, await verifyProblem(target, pkg, s.top_hash)] as const)).filter(([, p]) => p !== undefined);
  t.same(
    problems.map(([s, p]) => `${s.top_hash.slice(0, 12)}: ${p}`),
    [],
    `every reported revision verifies with check_files (${problems.length} of ${successes.length} fail)`,
  );
  const withText = successes.filter((s) => s.key !== undefined && s.text !== undefined);
  const wrong = (await eachLimit(withText, 4, async (s) => [s, await readText(target, pkg, s.top_hash, s.key as string)] as const)).filter(
    ([s, got]) => got !== s.text,
  );
  t.same(
    wrong.map(([s, got]) => `${s.top_hash.slice(0, 12)} ${s.key}: ${JSON.stringify(got)} instead of ${JSON.stringify(s.text)}`),
    [],
    `every revision reads back its own writer's text (${wrong.length} of ${withText.length} wrong)`,
  );
}

const HASH64 = /\b[0-9a-f]{64}\b/;

/** Losers must say "conflict" and name the top hash `latest` holds now. */
function assertConflicts(t: Test, lost: { i: number; text: string }[], latest: string | null, expected: number): void {
  t.equal(lost.length, expected, `${expected} calls refused`);
  const bad = lost.filter((l) => !/conflict/i.test(l.text) || latest === null || !l.text.includes(latest));
  t.same(
    bad.slice(0, 3).map((l) => `call ${l.i}: ${l.text.slice(0, 200)}`),
    [],
    `every refusal says "conflict" and names the current latest ${latest?.slice(0, 12)} (${bad.length} do not)`,
  );
  t.ok(
    lost.every((l) => HASH64.test(l.text)),
    'refusals carry a 64-hex top hash',
  );
}

const create = (pkg: string, text: string, extra: Record<string, unknown> = {}): [string, Record<string, unknown>] => [
  'package_create',
  {
    package: pkg,
    message: text,
    entries: [
      { logical_key: 'README.md', text },
      { logical_key: 'data.csv', physical_key: SHARED_KEY },
    ],
    ...extra,
  },
];

const addFile = (pkg: string, i: number, extra: Record<string, unknown> = {}): [string, Record<string, unknown>] => [
  'package_update',
  { package: pkg, message: `add f${i}`, set: [{ logical_key: `f${i}.txt`, text: `file ${i}\n` }], ...extra },
];

async function createBase(target: WriteTarget, pkg: string): Promise<Any> {
  return ok(target, 'package_create', { package: pkg, message: 'base', entries: [{ logical_key: 'base.txt', text: `base of ${pkg}\n` }] });
}

/** Scenario 1: 20 parallel creates of one new name, no replace_existing: one wins, 19 conflict, one revision. */
export async function parallelCreatesOneName(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  const results = await parallel(target, WRITERS, (i) => create(pkg, `writer ${i}\n`));
  const won = wins(results);
  t.equal(won.length, 1, `exactly 1 of ${WRITERS} parallel creates of a new name succeeds (got ${won.length})`);
  const hist = await history(target, pkg);
  assertConflicts(t, losses(results), hist.latest, WRITERS - 1);
  t.equal(hist.revisions.length, 1, `package_history holds exactly 1 revision (got ${hist.revisions.length})`);
  // "latest differed from the only timestamp pointer": latest must be the one revision listed.
  t.equal(hist.latest, hist.revisions[hist.revisions.length - 1]?.top_hash, 'latest is the revision that package_history lists');
  await assertDurable(
    t,
    target,
    pkg,
    won.map((w) => ({ top_hash: w.sc.top_hash, timestamp: w.sc.timestamp, key: 'README.md', text: `writer ${w.i}\n` })),
  );
  const winner = won[0];
  if (won.length === 1 && winner) {
    t.same(hist.revisions, [{ timestamp: winner.sc.timestamp, top_hash: winner.sc.top_hash }], "the one revision is the winner's");
    t.equal(hist.latest, winner.sc.top_hash, 'latest is the winner');
    t.equal(await readText(target, pkg, 'latest', 'README.md'), `writer ${winner.i}\n`, "README.md at latest is the winner's text");
  }
}

/** Scenario 2: 20 parallel creates with replace_existing: all succeed, each a revision of its own. */
export async function parallelCreatesReplace(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  const results = await parallel(target, WRITERS, (i) => create(pkg, `replacer ${i}\n`, { replace_existing: true }));
  const won = wins(results);
  t.equal(won.length, WRITERS, `all ${WRITERS} creates with replace_existing succeed (${losses(results)[0]?.text.slice(0, 200) ?? ''})`);
  t.equal(new Set(won.map((w) => w.sc.timestamp)).size, won.length, `${won.length} distinct timestamps (got ${new Set(won.map((w) => w.sc.timestamp)).size})`);
  await assertDurable(
    t,
    target,
    pkg,
    won.map((w) => ({ top_hash: w.sc.top_hash, timestamp: w.sc.timestamp, key: 'README.md', text: `replacer ${w.i}\n` })),
  );
  const hist = await history(target, pkg);
  t.ok(
    won.some((w) => w.sc.top_hash === hist.latest),
    'latest is one of the reported revisions',
  );
}

/** Scenario 3: a package with the same content (same top hash) in another package leaves the first's manifest alone. */
export async function identicalContentElsewhere(t: Test, target: WriteTarget, pkgA: string, pkgB: string): Promise<void> {
  const entries = [{ logical_key: 'README.md', text: 'identical content\n' }];
  const a = await ok(target, 'package_create', { package: pkgA, message: 'same', entries });
  const manifestKey = `.quilt/packages/${a.top_hash}`;
  const before = await target.store.get(manifestKey);
  t.ok(before, `the manifest of ${pkgA} is at ${manifestKey}`);
  const physicalBefore = (await browseAll(target, pkgA, a.top_hash)).entries[0]?.physical_key;
  const b = await ok(target, 'package_create', { package: pkgB, message: 'same', entries });
  t.equal(b.top_hash, a.top_hash, 'same content, same top hash');
  const after = await target.store.get(manifestKey);
  t.ok(before !== undefined && after !== undefined && before.equals(after), 'the existing manifest file is unchanged byte for byte');
  t.equal((await browseAll(target, pkgA, a.top_hash)).entries[0]?.physical_key, physicalBefore, `${pkgA}'s README.md still has its own physical key`);
  t.equal(await verifyProblem(target, pkgA, a.top_hash), undefined, `${pkgA} still verifies with check_files`);
}

/** Scenario 4: 20 parallel updates without expected_top_hash, each adding a file: all succeed, none lost. */
export async function parallelUpdatesRebase(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  await createBase(target, pkg);
  const results = await parallel(target, WRITERS, (i) => addFile(pkg, i));
  const won = wins(results);
  t.equal(won.length, WRITERS, `all ${WRITERS} updates succeed (${losses(results)[0]?.text.slice(0, 200) ?? ''})`);
  t.same(
    won.filter((w) => w.sc.changes?.added !== 1).map((w) => `call ${w.i}: ${JSON.stringify(w.sc.changes)}`),
    [],
    'each reports changes.added == 1',
  );
  // Two writers that both claimed one revision pointer (a store whose conditional writes are not atomic) show here.
  const stamps = won.map((w) => w.sc.timestamp);
  t.equal(new Set(stamps).size, stamps.length, `no two successes report one timestamp (${stamps.length - new Set(stamps).size} collisions)`);
  await assertDurable(
    t,
    target,
    pkg,
    won.map((w) => ({ top_hash: w.sc.top_hash, timestamp: w.sc.timestamp, key: `f${w.i}.txt`, text: `file ${w.i}\n` })),
  );
  const miscounted: string[] = [];
  for (const w of won) {
    const browsed = await browseAll(target, pkg, w.sc.top_hash);
    if (browsed.keys.length !== w.sc.entries) miscounted.push(`call ${w.i}: reported ${w.sc.entries} entries, package_browse shows ${browsed.keys.length}`);
  }
  t.same(miscounted, [], 'each reported entries count is what package_browse shows for that revision');
  const final = await browseAll(target, pkg, 'latest');
  const lost = Array.from({ length: WRITERS }, (_, i) => `f${i}.txt`).filter((k) => !final.keys.includes(k));
  t.same(lost, [], `latest holds all ${WRITERS} added files (${lost.length} lost)`);
}

/** Scenario 5: 20 parallel updates with expected_top_hash = latest: one wins, 19 conflict, history grows by one. */
export async function parallelUpdatesExpected(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  const base = await createBase(target, pkg);
  const before = await history(target, pkg);
  const results = await parallel(target, WRITERS, (i) => addFile(pkg, i, { expected_top_hash: base.top_hash }));
  const won = wins(results);
  t.equal(won.length, 1, `exactly 1 of ${WRITERS} updates with expected_top_hash succeeds (got ${won.length})`);
  const after = await history(target, pkg);
  assertConflicts(t, losses(results), after.latest, WRITERS - 1);
  t.equal(after.revisions.length, before.revisions.length + 1, `history grew by exactly 1 (by ${after.revisions.length - before.revisions.length})`);
  await assertDurable(
    t,
    target,
    pkg,
    won.map((w) => ({ top_hash: w.sc.top_hash, timestamp: w.sc.timestamp, key: `f${w.i}.txt`, text: `file ${w.i}\n` })),
  );
  if (won.length === 1) t.equal(after.latest, won[0]?.sc.top_hash, 'latest is the winner');
}

/** Scenario 6: 20 parallel deletes of one package: one "deleted", 19 "not there". */
export async function parallelDeletes(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  await createBase(target, pkg);
  await ok(target, 'package_update', { package: pkg, message: 'second', set: [{ logical_key: 'second.txt', text: 'second\n' }] });
  const results = await parallel(target, WRITERS, () => ['package_delete', { package: pkg, confirm: pkg }]);
  const won = wins(results);
  t.equal(won.length, 1, `exactly 1 of ${WRITERS} deletes reports the deletion (got ${won.length})`);
  t.same(
    won.filter((w) => w.sc.deleted !== 'package').map((w) => w.sc),
    [],
    "the success says deleted: 'package'",
  );
  const lost = losses(results);
  t.equal(lost.length, WRITERS - 1, `${WRITERS - 1} deletes refused`);
  const bad = lost.filter((l) => !/not found|no package|not there|already/i.test(l.text));
  t.same(
    bad.slice(0, 3).map((l) => `call ${l.i}: ${l.text.slice(0, 200)}`),
    [],
    'each refusal says the package is not there (already deleted)',
  );
  const listed = await ok(target, 'packages_list', { prefix: pkg });
  t.notOk(
    listed.packages.some((p: Any) => p.name === pkg),
    `${pkg} is gone from packages_list`,
  );
}

/** Scenario 7: 10 updates without expected_top_hash and 10 creates with replace_existing on one package, at once. */
export async function parallelMixed(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  await createBase(target, pkg);
  const results = await parallel(target, WRITERS, (i) => (i % 2 === 0 ? addFile(pkg, i) : create(pkg, `mixed ${i}\n`, { replace_existing: true })));
  const won = wins(results);
  t.equal(won.length, WRITERS, `all ${WRITERS} succeed (${losses(results)[0]?.text.slice(0, 200) ?? ''})`);
  const stamps = won.map((w) => w.sc.timestamp);
  t.equal(new Set(stamps).size, stamps.length, `no two successes report one timestamp (${stamps.length - new Set(stamps).size} collisions)`);
  await assertDurable(
    t,
    target,
    pkg,
    won.map((w) => ({
      top_hash: w.sc.top_hash,
      timestamp: w.sc.timestamp,
      ...(w.i % 2 === 0 ? { key: `f${w.i}.txt`, text: `file ${w.i}\n` } : { key: 'README.md', text: `mixed ${w.i}\n` }),
    })),
  );
}

/**
 * Scenario 8: a create refused for bad input writes nothing. The long key is valid as a logical key (and passes
 * the input schema) but `<package>/<key>` is longer than an object key may be, which today is found only while the
 * inline texts are being written, after `a.txt` was; `../x.txt` is refused before anything is written today too.
 */
export async function refusedCreateWritesNothing(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  for (const [label, badKey] of [
    ['a logical key too long for an object key', 'b'.repeat(1020)],
    ['a ".." logical key', '../x.txt'],
  ] as const) {
    const before = await target.store.listAll();
    const result = await call(target.clients[0] as McpTestClient, 'package_create', {
      ...reg(target),
      package: pkg,
      entries: [
        { logical_key: 'a.txt', text: 'valid entry\n' },
        { logical_key: badKey, text: 'refused entry\n' },
      ],
    });
    t.ok(result.isError, `${label} is refused: ${textOf(result).slice(0, 160)}`);
    t.notMatch(textOf(result), /Input validation/, 'refused by the server, not by the input schema');
    const after = await target.store.listAll();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    t.same(changed, [], `${label}: the registry is unchanged (${changed.length} objects differ)`);
  }
}

/** Scenario 10 (versioned bucket): physical keys carry ?versionId=, and an older revision keeps its bytes. */
export async function versionedBucket(t: Test, target: WriteTarget, pkg: string): Promise<void> {
  const first = await ok(target, 'package_create', { package: pkg, message: 'v1', entries: [{ logical_key: 'notes.txt', text: 'first text\n' }] });
  const entry = (await browseAll(target, pkg, first.top_hash)).entries[0];
  t.match(entry?.physical_key, /\?versionId=[^&]+/, `the physical key carries ?versionId= (${entry?.physical_key})`);
  const second = await ok(target, 'package_create', {
    package: pkg,
    message: 'v2',
    replace_existing: true,
    entries: [{ logical_key: 'notes.txt', text: 'second text\n' }],
  });
  t.not(second.top_hash, first.top_hash);
  t.equal(await verifyProblem(target, pkg, first.top_hash), undefined, 'the first revision still verifies with check_files');
  t.equal(await readText(target, pkg, first.top_hash, 'notes.txt'), 'first text\n', 'the first revision reads its own text');
  t.equal(await readText(target, pkg, second.top_hash, 'notes.txt'), 'second text\n', 'the second revision reads its own text');
}
