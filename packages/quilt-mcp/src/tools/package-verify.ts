import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { quiltTool } from '../context.js';
import { compareLogicalKeys, HashError, hashObject, isHashType, type ManifestEntry, ManifestError, StorageError, TopHasher } from '../quilt/index.js';
import { type OpenedRegistry, RegistryRequestError } from '../registry/index.js';
import { quiltPlusUri } from './catalog-uri.js';
import { packageArg, packageTargets, progressReporter, type QuiltCtx, READ_SCOPE, registryArg, revisionArg } from './common.js';
import { resolved, uriArg } from './quilt-uri.js';

const MAX_MISMATCHES = 100;
const FILE_CONCURRENCY = 4;

const PROBLEMS = ['manifest', 'top_hash', 'hash', 'size', 'missing', 'unreadable', 'unsupported_hash', 'outside_registry'] as const;
type Problem = (typeof PROBLEMS)[number];

interface Mismatch {
  logical_key: string | null;
  problem: Problem;
  expected: string | null;
  actual: string | null;
  detail: string;
}

export const packageVerify = quiltTool({
  name: 'package_verify',
  title: 'Verify a Quilt package revision',
  description:
    "Recomputes a revision's top hash from its manifest (quilt3's rules) and compares it with the hash the revision is named by; with check_files, " +
    'also re-hashes every file (or those under path) from its bytes (sha2-256-chunked, SHA256 or CRC64NVME, as recorded) and checks sizes. ' +
    'Every mismatch is reported (up to 100 listed). Reports MCP progress while hashing when the client asks for it.',
  input: z.object({
    registry: registryArg,
    uri: uriArg,
    package: packageArg.optional(),
    revision: revisionArg,
    check_files: z.boolean().default(false).describe("Also hash each file's bytes (reads all the data)"),
    path: z.string().max(1024).optional().describe('With check_files: only files whose logical key starts with this'),
  }),
  output: z.object({
    registry: z.string(),
    package: z.string(),
    top_hash: z.string(),
    uri: z.string().describe('Quilt+ URI of the revision verified'),
    recomputed_top_hash: z.string().nullable(),
    top_hash_ok: z.boolean(),
    entries: z.number(),
    total_size: z.number(),
    files: z
      .object({
        checked: z.number(),
        ok: z.number(),
        mismatched: z.number().describe('Wrong hash or size'),
        missing: z.number(),
        unreadable: z.number().describe('Access denied, outside the registry, unsupported hash type, or another read failure'),
        skipped: z.number().describe(`Not hashed: past the per-call byte budget`),
        bytes_hashed: z.number(),
      })
      .nullable(),
    mismatches: z.array(
      z.object({
        logical_key: z.string().nullable(),
        problem: z.enum(PROBLEMS),
        expected: z.string().nullable(),
        actual: z.string().nullable(),
        detail: z.string(),
      }),
    ),
    mismatches_total: z.number(),
    ok: z.boolean().describe('No mismatch at all (and nothing skipped)'),
  }),
  annotations: READ_ANNOTATIONS,
  scope: READ_SCOPE,
  targets: (args) => ({ ...packageTargets(args), check_files: args.check_files }),
  summarize: (r) =>
    `${r.package}@${r.top_hash.slice(0, 12)}: ${r.ok ? 'OK' : 'PROBLEMS'} — top hash ${r.top_hash_ok ? 'verified' : 'MISMATCH'}, ${r.entries} entries, ${r.total_size} bytes` +
    (r.files
      ? `; files: ${r.files.ok}/${r.files.checked} ok, ${r.files.mismatched} mismatched, ${r.files.missing} missing, ${r.files.unreadable} unreadable, ${r.files.skipped} skipped`
      : '') +
    r.mismatches.map((m) => `\n${m.problem}: ${m.logical_key ?? ''} ${m.detail}`).join(''),
  run: async (input, ctx) => {
    const args = resolved(input, 'path');
    const opened = await ctx.access.open(ctx.caller, args.registry);
    const topHash = await opened.resolveRevision(args.package, args.revision);
    const mismatches: Mismatch[] = [];
    let mismatchesTotal = 0;
    const report = (m: Mismatch) => {
      mismatchesTotal++;
      if (mismatches.length < MAX_MISMATCHES) mismatches.push(m);
    };
    const progress = progressReporter(ctx);

    // Pass 1: the top hash, and the totals.
    let entries = 0;
    let totalSize = 0;
    let bytesUnderPath = 0;
    let recomputed: string | null = null;
    const prefix = args.path ?? '';
    try {
      const { header, records } = await opened.openManifest(topHash, ctx.signal);
      const hasher = new TopHasher(header);
      let hashable = true;
      for await (const record of records) {
        if (record.kind !== 'entry') continue;
        const entry = record.entry;
        entries++;
        totalSize += entry.size;
        if (entry.logical_key.startsWith(prefix)) bytesUnderPath += entry.size;
        if (hashable) {
          try {
            hasher.add(entry);
          } catch (err) {
            hashable = false;
            report({
              logical_key: entry.logical_key,
              problem: 'manifest',
              expected: null,
              actual: null,
              detail: `the top hash cannot be computed: ${(err as Error).message}`,
            });
          }
        }
        if (entries % 10_000 === 0) progress(entries, undefined, `read ${entries} manifest entries`);
      }
      if (hashable) recomputed = hasher.digest();
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      report({ logical_key: null, problem: 'manifest', expected: null, actual: null, detail: err.message });
    }
    const topHashOk = recomputed === topHash;
    if (recomputed !== null && !topHashOk)
      report({ logical_key: null, problem: 'top_hash', expected: topHash, actual: recomputed, detail: 'the manifest does not hash to its name' });

    let files = null;
    if (args.check_files) files = await checkFiles(ctx, opened, topHash, prefix, bytesUnderPath, report, progress);
    return {
      registry: opened.ref.url,
      package: args.package,
      top_hash: topHash,
      uri: quiltPlusUri(opened.ref, args.package, { topHash }, args.path),
      recomputed_top_hash: recomputed,
      top_hash_ok: topHashOk,
      entries,
      total_size: totalSize,
      files,
      // Files are checked a few at a time; list their problems in the package's order.
      mismatches: mismatches.sort((a, b) =>
        a.logical_key === null || b.logical_key === null
          ? Number(b.logical_key === null) - Number(a.logical_key === null)
          : compareLogicalKeys(a.logical_key, b.logical_key),
      ),
      mismatches_total: mismatchesTotal,
      ok: mismatchesTotal === 0 && (files === null || files.skipped === 0),
    };
  },
});

async function checkFiles(
  ctx: QuiltCtx,
  opened: OpenedRegistry,
  topHash: string,
  prefix: string,
  totalBytes: number,
  report: (m: Mismatch) => void,
  progress: ReturnType<typeof progressReporter>,
) {
  const files = { checked: 0, ok: 0, mismatched: 0, missing: 0, unreadable: 0, skipped: 0, bytes_hashed: 0 };
  const budget = ctx.limits.verifyMaxBytes;
  let planned = 0;
  let done = 0;
  const tick = (bytes: number) => {
    done += bytes;
    progress(done, Math.min(totalBytes, budget), `hashed ${done} of ${Math.min(totalBytes, budget)} bytes`);
  };

  const checkOne = async (entry: ManifestEntry) => {
    const key = entry.logical_key;
    const fail = (problem: Problem, detail: string, expected: string | null = null, actual: string | null = null) =>
      report({ logical_key: key, problem, expected, actual, detail });
    files.checked++;
    if (!isHashType(entry.hash.type)) {
      files.unreadable++;
      fail('unsupported_hash', `hash type ${entry.hash.type} is not supported`);
      return;
    }
    const physicalKey = entry.physical_keys[0] as string;
    let reported = 0;
    try {
      const object = await opened.physical(physicalKey);
      const got = await object.get({ signal: ctx.signal });
      if (got.size !== entry.size) {
        got.body.destroy();
        files.mismatched++;
        fail('size', `${physicalKey} has ${got.size} bytes, the manifest says ${entry.size}`, String(entry.size), String(got.size));
        return;
      }
      const actual = await hashObject(entry.hash.type, got, entry.size, {
        signal: ctx.signal,
        range: (range, signal) => object.get({ range, signal }),
        onProgress: (bytes) => {
          tick(bytes - reported);
          reported = bytes;
        },
      });
      files.bytes_hashed += entry.size;
      if (actual === entry.hash.value) files.ok++;
      else {
        files.mismatched++;
        fail('hash', `the bytes of ${physicalKey} hash differently`, entry.hash.value, actual);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      if (err instanceof StorageError && err.code === 'NotFound') {
        files.missing++;
        fail('missing', `${physicalKey} does not exist`);
      } else if (err instanceof HashError) {
        files.mismatched++;
        fail('size', err.message);
      } else if (err instanceof RegistryRequestError && err.code === 'path_escape') {
        files.unreadable++;
        fail('outside_registry', err.message);
      } else if (err instanceof RegistryRequestError || err instanceof StorageError) {
        files.unreadable++;
        fail('unreadable', err.message);
      } else throw err;
    }
  };

  const { records } = await opened.openManifest(topHash, ctx.signal);
  const running = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for await (const record of records) {
      if (record.kind !== 'entry' || !record.entry.logical_key.startsWith(prefix)) continue;
      const entry = record.entry;
      if (planned + entry.size > budget) {
        files.skipped++;
        continue;
      }
      planned += entry.size;
      const task: Promise<void> = checkOne(entry)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => running.delete(task));
      running.add(task);
      if (running.size >= FILE_CONCURRENCY) await Promise.race(running);
      if (failure !== undefined) break;
    }
    await Promise.all(running);
  } finally {
    await records.return(undefined);
  }
  if (failure !== undefined) throw failure;
  progress(done, Math.min(totalBytes, budget), `hashed ${done} bytes`, true);
  return files;
}
