// Hashing throughput of package_create and package_verify(check_files) through a real quilt-mcp process, next to
// one core's `openssl speed -evp sha256` measured in the same run; another client's tools/list latency while it
// hashes; GB/s against an S3-compatible server (moto_server, else s3rver); and how time and peak memory grow with
// the file size (with an SVG plot).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { logChartLines } from './log-chart.js';
import { machineBusy } from './machine.js';
import { spawnChild, tempDir } from './processes.js';
import { cpuMs, machineCpuMs, memory } from './procfs.js';
import { type DirectBundle, demoToken, directBundle } from './services.js';
import { freePort, log, median, percentile, repoRoot, waitFor } from './util.js';

const MiB = 1024 * 1024;
const BLOCK = 8 * MiB;

export interface HashingOptions {
  /** The headline file, MiB (default 1024). */
  sizeMiB: number;
  rounds: number;
  /** File sizes for "how cost grows", MiB. */
  growthMiB: number[];
  /** S3-compatible servers to measure against, each with its object size in MiB. */
  s3: { server: 'moto' | 's3rver'; sizeMiB: number }[];
  /** Before each measured call, wait (up to quietMaxWaitS) until the machine's busy share is at most this. */
  quietBelow?: number;
  quietMaxWaitS: number;
  /** Pause between the other client's tools/list requests, ms (one request at a time). */
  probeIntervalMs: number;
  /** Free-text label stored with the results ("after", "before: streaming hasher"). */
  label: string;
}

export interface OpensslSpeed {
  command: string;
  /** Bytes per second at the largest block size openssl printed. */
  bytesPerS: number;
  blockBytes: number;
  line: string;
}

/** The hashing floor (hash-floor.mjs) on the headline file: the tools' own per-part work, nothing else. */
export interface HashFloor {
  threads: number;
  /** Median of the passes after the first (which warms the threads), bytes/s. */
  bytesPerS: number;
  /** Cores the floor process used while it hashed (all its threads). */
  cores: number;
  passesMs: number[];
}

export interface CallFigure {
  tool: string;
  bytes: number;
  ms: number;
  gbPerS: number;
  /** quilt-mcp CPU during the call (all its threads), ms. */
  serverCpuMs: number;
  /** Share of all cores busy with anything else than quilt-mcp and this benchmark during the call. */
  otherBusy: number;
  /** quilt-mcp's RSS before the call and its highest RSS during it (VmHWM after clear_refs), bytes. */
  rssBefore: number;
  peakRss: number;
  probe?: ProbeFigure;
}

export interface ProbeFigure {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** Every latency, ms: the report pools them over rounds (a p99 of one call's few dozen requests is its maximum). */
  samples: number[];
}

export interface S3Figures {
  server: string;
  sizeBytes: number;
  /** One plain whole-object GET by the benchmark, read and discarded: what one stream gets from this server. */
  singleGet: { ms: number; gbPerS: number };
  /** One ranged GET of the first 8 MiB: on some servers (moto) its cost grows with the object, not the range. */
  firstPartGetMs: number;
  calls: CallFigure[];
}

export interface HashingResults {
  label: string;
  startedAt: string;
  finishedAt?: string;
  commit: string;
  cores: number;
  opensslBefore?: OpensslSpeed;
  opensslAfter?: OpensslSpeed;
  /** Mean of the two openssl runs, bytes/s. */
  opensslBytesPerS?: number;
  floorBefore?: HashFloor;
  floorAfter?: HashFloor;
  sizeBytes: number;
  local: CallFigure[];
  idleProbe?: ProbeFigure;
  s3: (S3Figures | { server: string; skipped: string })[];
  growth: CallFigure[];
  notes: string[];
}

const FLOOR_SCRIPT = path.join(repoRoot, 'scripts/bench/lib/hash-floor.mjs');

/** The floor with as many threads as quilt-mcp's hashing pool has here (chunk-hash-pool.ts: one per core, at most 8). */
async function hashFloor(file: string): Promise<HashFloor | undefined> {
  const threads = Math.min(os.availableParallelism(), 8);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [FLOOR_SCRIPT, file, String(threads), '4'], { timeout: 300_000 });
    const out = JSON.parse(stdout) as { bytes: number; passes: { ms: number; cpuMs: number }[] };
    const measured = out.passes.slice(1);
    return {
      threads,
      bytesPerS: out.bytes / (median(measured.map((p) => p.ms)) / 1000),
      cores: median(measured.map((p) => p.cpuMs / p.ms)),
      passesMs: out.passes.map((p) => p.ms),
    };
  } catch (err) {
    log(`hashing floor failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** One core's SHA-256 by OpenSSL (its `speed` runs one process, one thread). */
export async function opensslSpeed(seconds = 3): Promise<OpensslSpeed | undefined> {
  const args = ['speed', '-seconds', String(seconds), '-evp', 'sha256'];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('openssl', args, { timeout: (seconds * 8 + 30) * 1000 }));
  } catch (err) {
    log(`openssl speed failed: ${(err as Error).message}`);
    return undefined;
  }
  // "type  16 bytes  64 bytes ... 16384 bytes" then "sha256  123.45k ..." — figures in 1000s of bytes per second.
  const header = /^type\s+(.+)$/m.exec(stdout);
  const row = /^sha256\s+(.+)$/m.exec(stdout);
  if (!header || !row) return undefined;
  const blocks = [...header[1]!.matchAll(/(\d+) bytes/g)].map((m) => Number(m[1]));
  const values = row[1]!
    .trim()
    .split(/\s+/)
    .map((v) => Number(v.replace(/k$/, '')) * 1000);
  const at = blocks.length - 1;
  return { command: `openssl ${args.join(' ')}`, bytesPerS: values[at]!, blockBytes: blocks[at]!, line: row[0] };
}

/** Writes a file of `bytes` by repeating one random 8 MiB block (fast; the pages stay in the page cache). */
function writeDataFile(file: string, bytes: number, block: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < bytes; done += BLOCK) writeSync(fd, block, 0, Math.min(BLOCK, bytes - done));
  } finally {
    closeSync(fd);
  }
}

function resetPeak(pid: number): void {
  // Writing 5 resets VmHWM to the current RSS (Linux >= 4.0), so the next VmHWM is this call's peak.
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted: VmHWM is then the peak since start, an upper bound.
  }
}

class McpClient {
  private id = 0;
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async request(method: string, params: Record<string, unknown>, timeoutMs = 600_000): Promise<Record<string, unknown>> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { result?: Record<string, unknown>; error?: unknown };
    if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error).slice(0, 300)}`);
    return body.result ?? {};
  }

  async tool(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const result = await this.request('tools/call', { name, arguments: args });
    if (result.isError === true) throw new Error(`${name}: ${JSON.stringify(result.content).slice(0, 500)}`);
    return (result.structuredContent ?? {}) as Record<string, unknown>;
  }
}

/** Another client: tools/list one request at a time, a pause between, until stopped. */
function startProbe(client: McpClient, intervalMs: number): { stop: () => Promise<ProbeFigure> } {
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        await client.request('tools/list', {}, 10_000);
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return {
        count: latencies.length,
        errors,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        samples: latencies.map((v) => Math.round(v * 100) / 100),
      };
    },
  };
}

async function timedCall(
  client: McpClient,
  pid: number,
  tool: string,
  args: Record<string, unknown>,
  bytes: number,
  probe?: { client: McpClient; intervalMs: number },
): Promise<CallFigure> {
  const rssBefore = memory(pid)?.rss ?? Number.NaN;
  resetPeak(pid);
  const p = probe ? startProbe(probe.client, probe.intervalMs) : undefined;
  const cpu0 = cpuMs(pid);
  const own0 = process.cpuUsage();
  const machine0 = machineCpuMs();
  const started = performance.now();
  const out = await client.tool(tool, args);
  const ms = performance.now() - started;
  const machine1 = machineCpuMs();
  const own = process.cpuUsage(own0);
  const serverCpuMs = cpuMs(pid) - cpu0;
  const probeFigure = p ? await p.stop() : undefined;
  if (tool === 'package_verify') {
    const files = out.files as { ok: number; checked: number; bytes_hashed: number } | undefined;
    if (!files || files.ok !== files.checked || files.bytes_hashed !== bytes)
      throw new Error(`package_verify did not verify every byte: ${JSON.stringify(out).slice(0, 400)}`);
  }
  const total = machine1.total - machine0.total;
  const other = (machine1.busy - machine0.busy - serverCpuMs - (own.user + own.system) / 1000) / total;
  return {
    tool,
    bytes,
    ms,
    gbPerS: bytes / ms / 1e6,
    serverCpuMs,
    otherBusy: Math.max(0, other),
    rssBefore,
    peakRss: memory(pid)?.hwm ?? Number.NaN,
    ...(probeFigure && { probe: probeFigure }),
  };
}

interface S3Server {
  server: string;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

async function startS3(kind: 'moto' | 's3rver'): Promise<S3Server | { server: string; skipped: string }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const up = async () => {
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  };
  if (kind === 'moto') {
    const moto = await promisify(execFile)('sh', ['-c', 'command -v moto_server']).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (moto === '') return { server: 'moto_server', skipped: 'moto_server is not installed' };
    const dir = tempDir('labmcp-bench-moto-');
    spawnChild('moto_server', moto, ['-H', '127.0.0.1', '-p', String(port)], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir },
      cwd: dir,
      logFile: path.join(dir, 'moto.log'),
    });
    await waitFor('moto_server', up, 60_000, 200);
    const version = await promisify(execFile)('sh', ['-c', 'python3 -c "import moto; print(moto.__version__)" 2>/dev/null || true']).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    return { server: `moto_server${version ? ` ${version}` : ''}`, endpoint, accessKeyId: 'testing', secretAccessKey: 'testing' };
  }
  // s3rver (a devDependency of quilt-mcp) in a child process of its own, so it does not share this event loop.
  const s3rverDir = path.join(repoRoot, 'packages/quilt-mcp/node_modules/s3rver');
  if (!existsSync(s3rverDir)) return { server: 's3rver', skipped: 's3rver is not installed' };
  const dir = tempDir('labmcp-bench-s3rver-');
  const script = `const S3rver = require(${JSON.stringify(s3rverDir)}); new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(dir)} }).run();`;
  spawnChild('s3rver', process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '' }, cwd: dir, logFile: path.join(dir, 's3rver.log') });
  await waitFor('s3rver', up, 30_000, 200);
  return { server: 's3rver 3.7.1 (Node, files on disk)', endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
}

const BUCKET = 'labmcp-bench';

interface S3Bits {
  S3Client: new (config: Record<string, unknown>) => { send: (c: unknown) => Promise<unknown>; destroy: () => void };
  CreateBucketCommand: new (input: Record<string, unknown>) => unknown;
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
  GetObjectCommand: new (input: Record<string, unknown>) => unknown;
}

async function measureS3(s3: S3Server, bytes: number, block: Buffer, rounds: number, quiet: () => Promise<void>): Promise<S3Figures> {
  const bundle = await directBundle({
    LOG_LEVEL: 'warn',
    LABMCP_AUDIT_LOG: 'off',
    QUILT_REGISTRIES: `s3://${BUCKET}`,
    AWS_ENDPOINT_URL: s3.endpoint,
    QUILT_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: 'us-east-1',
  });
  const quilt = await bundle.start('quilt-mcp');
  const token = await demoToken(bundle.dataDir, {
    scopes: ['read:packages', 'write:packages'],
    awsCredentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  const client = new McpClient(`http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`, token);
  const req = createRequire(path.join(repoRoot, 'packages/quilt-mcp/package.json'));
  const sdk = req('@aws-sdk/client-s3') as S3Bits;
  const s3Client = new sdk.S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await s3Client.send(new sdk.CreateBucketCommand({ Bucket: BUCKET }));
    log(`uploading ${bytes / MiB} MiB to ${s3.server}`);
    const body = Readable.from(
      (function* () {
        for (let done = 0; done < bytes; done += BLOCK) yield block.subarray(0, Math.min(BLOCK, bytes - done));
      })(),
    );
    await s3Client.send(new sdk.PutObjectCommand({ Bucket: BUCKET, Key: 'bench/s3.bin', Body: body, ContentLength: bytes }));
    const readAll = async (range?: string) => {
      const started = performance.now();
      const got = (await s3Client.send(new sdk.GetObjectCommand({ Bucket: BUCKET, Key: 'bench/s3.bin', ...(range && { Range: range }) }))) as {
        Body: AsyncIterable<Uint8Array>;
      };
      let read = 0;
      for await (const chunk of got.Body) read += chunk.length;
      return { ms: performance.now() - started, read };
    };
    const single = await readAll();
    if (single.read !== bytes) throw new Error(`GET returned ${single.read} of ${bytes} bytes`);
    const firstPart = await readAll(`bytes=0-${BLOCK - 1}`);
    const registry = `s3://${BUCKET}`;
    const calls: CallFigure[] = [];
    const create = {
      registry,
      package: 'bench/s3',
      entries: [{ logical_key: 'data.bin', physical_key: `s3://${BUCKET}/bench/s3.bin` }],
      replace_existing: true,
    };
    await client.tool('package_create', create); // warm-up: credentials, client pool, the bucket's first-write sweep
    for (let round = 0; round < rounds; round++) {
      await quiet();
      calls.push(await timedCall(client, quilt.pid, 'package_create', create, bytes));
      await quiet();
      calls.push(await timedCall(client, quilt.pid, 'package_verify', { registry, package: 'bench/s3', check_files: true }, bytes));
      log(
        `${s3.server} round ${round + 1}: create ${calls.at(-2)!.gbPerS.toFixed(2)} GB/s, verify ${calls.at(-1)!.gbPerS.toFixed(2)} GB/s (one plain GET: ${(bytes / single.ms / 1e6).toFixed(2)} GB/s)`,
      );
    }
    return { server: s3.server, sizeBytes: bytes, singleGet: { ms: single.ms, gbPerS: bytes / single.ms / 1e6 }, firstPartGetMs: firstPart.ms, calls };
  } finally {
    s3Client.destroy();
    await bundle.children['quilt-mcp']?.stop();
  }
}

export async function measureHashing(options: HashingOptions, commit: string, cores: number): Promise<HashingResults> {
  const results: HashingResults = {
    label: options.label,
    startedAt: new Date().toISOString(),
    commit,
    cores,
    sizeBytes: options.sizeMiB * MiB,
    local: [],
    s3: [],
    growth: [],
    notes: [],
  };
  log('openssl speed -evp sha256 (one core)');
  results.opensslBefore = await opensslSpeed();

  // No request lines, as before audit lines stopped following LOG_LEVEL.
  const bundle: DirectBundle = await directBundle({ LOG_LEVEL: 'warn', LABMCP_AUDIT_LOG: 'off' });
  const quilt = await bundle.start('quilt-mcp');
  const token = await demoToken(bundle.dataDir, { scopes: ['read:packages', 'write:packages'] });
  const quiet = async () => {
    if (options.quietBelow === undefined) return;
    const deadline = Date.now() + options.quietMaxWaitS * 1000;
    while (Date.now() < deadline && (await machineBusy(1000)) > options.quietBelow) {
      // other work on the machine; wait for it to pass
    }
  };
  const url = `http://127.0.0.1:${bundle.ports['quilt-mcp']}/mcp`;
  const client = new McpClient(url, token);
  const other = new McpClient(url, token);
  const registryRoot = path.join(bundle.dataDir, 'quilt-registry');
  await waitFor('the local registry', async () => existsSync(registryRoot), 10_000);
  const block = randomBytes(BLOCK);

  // Headline: the 1 GiB file, quiet and with the other client's tools/list.
  const key = `bench/hash-${options.sizeMiB}m.bin`;
  writeDataFile(path.join(registryRoot, key), results.sizeBytes, block);
  const create = { package: 'bench/hashing', entries: [{ logical_key: 'data.bin', physical_key: key }], replace_existing: true, message: 'hashing benchmark' };
  const verify = { package: 'bench/hashing', check_files: true };
  await client.tool('package_create', create); // warm-up: JIT, threads, page cache
  await quiet();
  log("hashing floor (the threads' own work only) on the same file");
  results.floorBefore = await hashFloor(path.join(registryRoot, key));
  log('idle tools/list latency');
  {
    const p = startProbe(other, options.probeIntervalMs);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    results.idleProbe = await p.stop();
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const withProbe of [false, true]) {
      const probe = withProbe ? { client: other, intervalMs: options.probeIntervalMs } : undefined;
      await quiet();
      const c = await timedCall(client, quilt.pid, 'package_create', create, results.sizeBytes, probe);
      await quiet();
      const v = await timedCall(client, quilt.pid, 'package_verify', verify, results.sizeBytes, probe);
      results.local.push(c, v);
      log(
        `round ${round + 1}${withProbe ? ' (with tools/list)' : ''}: create ${c.gbPerS.toFixed(2)} GB/s, verify ${v.gbPerS.toFixed(2)} GB/s${withProbe ? `, tools/list p99 ${c.probe?.p99.toFixed(1)} / ${v.probe?.p99.toFixed(1)} ms` : ''}`,
      );
    }
  }
  await quiet();
  log('hashing floor again');
  results.floorAfter = await hashFloor(path.join(registryRoot, key));
  rmSync(path.join(registryRoot, key), { force: true });

  // How cost grows with the file size.
  for (const mib of options.growthMiB) {
    const growthKey = `bench/grow-${mib}m.bin`;
    writeDataFile(path.join(registryRoot, growthKey), mib * MiB, block);
    const name = `bench/grow-${mib}m`;
    await quiet();
    const c = await timedCall(
      client,
      quilt.pid,
      'package_create',
      { package: name, entries: [{ logical_key: 'data.bin', physical_key: growthKey }], replace_existing: true },
      mib * MiB,
    );
    await quiet();
    const v = await timedCall(client, quilt.pid, 'package_verify', { package: name, check_files: true }, mib * MiB);
    results.growth.push(c, v);
    log(
      `${mib} MiB: create ${c.ms.toFixed(0)} ms (${c.gbPerS.toFixed(2)} GB/s, peak RSS ${(c.peakRss / MiB).toFixed(0)} MiB), verify ${v.ms.toFixed(0)} ms (peak ${(v.peakRss / MiB).toFixed(0)} MiB)`,
    );
    rmSync(path.join(registryRoot, growthKey), { force: true });
  }

  // S3: the same tools against S3-compatible servers (a quilt-mcp each, the bucket as its second registry), and one
  // plain whole-object GET as the single-stream reference.
  results.s3 = [];
  for (const spec of options.s3) {
    const s3 = await startS3(spec.server);
    if (!('endpoint' in s3)) {
      results.s3.push(s3);
      continue;
    }
    try {
      results.s3.push(await measureS3(s3, spec.sizeMiB * MiB, block, Math.max(1, Math.min(2, options.rounds)), quiet));
    } catch (err) {
      results.s3.push({ server: s3.server, skipped: `failed: ${(err as Error).message}` });
      log(`S3 part failed: ${(err as Error).stack}`);
    }
  }

  log('openssl speed -evp sha256 again');
  results.opensslAfter = await opensslSpeed();
  const speeds = [results.opensslBefore, results.opensslAfter].filter((s): s is OpensslSpeed => s !== undefined).map((s) => s.bytesPerS);
  if (speeds.length > 0) results.opensslBytesPerS = speeds.reduce((a, b) => a + b, 0) / speeds.length;
  results.finishedAt = new Date().toISOString();
  return results;
}

const gb = (bytesPerS: number) => (bytesPerS / 1e9).toFixed(2);
const mibOf = (bytes: number) => (bytes / MiB).toFixed(0);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const QUIET = 0.1;

export function renderHashing(r: HashingResults, svgName: string): string {
  const lines: string[] = [];
  const base = r.opensslBytesPerS;
  lines.push(`# Hashing (${r.label})`, '', `${r.startedAt} – ${r.finishedAt ?? '?'}, commit ${r.commit}, ${r.cores} cores.`, '');
  if (r.opensslBefore)
    lines.push(
      `One core, \`${r.opensslBefore.command}\` at ${r.opensslBefore.blockBytes}-byte blocks: ${gb(r.opensslBefore.bytesPerS)} GB/s before, ${r.opensslAfter ? gb(r.opensslAfter.bytesPerS) : 'n/a'} GB/s after the runs; baseline ${base ? gb(base) : 'n/a'} GB/s.`,
      '',
    );
  const floors = [r.floorBefore, r.floorAfter].filter((f): f is HashFloor => f !== undefined);
  const floor = floors.length ? floors.reduce((sum, f) => sum + f.bytesPerS, 0) / floors.length : undefined;
  if (floor)
    lines.push(
      `The floor on the same file, \`scripts/bench/lib/hash-floor.mjs\` with ${floors[0]!.threads} threads (what the tools' hashing threads do per part, nothing else: no server, pool, messages or manifest): ${floors.map((f) => `${gb(f.bytesPerS)} GB/s (${f.cores.toFixed(2)} cores)`).join(' before, ')} after the runs; mean ${gb(floor)} GB/s${base ? ` = ${(floor / base).toFixed(2)}× openssl one core` : ''}. Each thread also copies the bytes out of the page cache, which \`openssl speed\` does not.`,
      '',
    );
  lines.push(`## ${mibOf(r.sizeBytes)} MiB local file, through quilt-mcp`, '');
  lines.push(
    '| tool | other client | GB/s (median) | runs GB/s | × openssl one core | ÷ floor | quilt-mcp CPU s / wall s | other work on the machine | tools/list p50 / p99 / max ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const tool of ['package_create', 'package_verify']) {
    for (const withProbe of [false, true]) {
      const runs = r.local.filter((c) => c.tool === tool && (c.probe !== undefined) === withProbe);
      if (runs.length === 0) continue;
      const med = median(runs.map((c) => c.gbPerS));
      const quietRuns = runs.filter((c) => c.otherBusy < QUIET);
      const cores = median(runs.map((c) => c.serverCpuMs / c.ms));
      const p = runs.map((c) => c.probe).filter((x): x is ProbeFigure => x !== undefined);
      const pooled = p.flatMap((x) => x.samples ?? []);
      const errors = p.reduce((n, x) => n + x.errors, 0);
      // On a shared machine, the calls during which other work took a tenth of the cores or more are told apart.
      const quietSamples = runs.filter((c) => c.probe && c.otherBusy < QUIET).flatMap((c) => c.probe!.samples ?? []);
      const quietCell =
        quietSamples.length && quietSamples.length < pooled.length
          ? `; calls with other work < ${pct(QUIET)}: p99 ${percentile(quietSamples, 99).toFixed(1)} of ${quietSamples.length}`
          : '';
      const probeCell = p.length
        ? `${percentile(pooled, 50).toFixed(1)} / ${percentile(pooled, 99).toFixed(1)} / ${Math.max(...pooled).toFixed(1)} (${pooled.length} requests${errors ? `, ${errors} failed` : ''}; per call p99 ${p.map((x) => x.p99.toFixed(0)).join(', ')}${quietCell})`
        : '—';
      const quietMed =
        quietRuns.length && quietRuns.length < runs.length
          ? ` (${median(quietRuns.map((c) => c.gbPerS)).toFixed(2)} in the ${quietRuns.length} with other work < ${pct(QUIET)})`
          : '';
      lines.push(
        `| ${tool} | ${withProbe ? `tools/list, one at a time` : 'none'} | ${med.toFixed(2)}${quietMed} | ${runs.map((c) => c.gbPerS.toFixed(2)).join(', ')} | ${base ? ((med * 1e9) / base).toFixed(2) : 'n/a'} | ${floor ? ((med * 1e9) / floor).toFixed(2) : 'n/a'} | ${cores.toFixed(2)} | ${runs.map((c) => pct(c.otherBusy)).join(', ')} | ${probeCell} |`,
      );
    }
  }
  if (r.idleProbe)
    lines.push(
      '',
      `tools/list from the other client with nothing hashing: p50 ${r.idleProbe.p50.toFixed(1)} ms, p99 ${r.idleProbe.p99.toFixed(1)} ms, max ${r.idleProbe.max.toFixed(1)} ms (${r.idleProbe.count} requests).`,
    );
  lines.push('');
  for (const s3 of r.s3) {
    if (!('calls' in s3)) {
      lines.push(`S3 against ${s3.server}: skipped (${s3.skipped}).`, '');
      continue;
    }
    lines.push(`## S3 against ${s3.server}, ${mibOf(s3.sizeBytes)} MiB object`, '');
    lines.push(
      `One plain whole-object GET, read and discarded by the benchmark: ${s3.singleGet.gbPerS.toFixed(2)} GB/s (${s3.singleGet.ms.toFixed(0)} ms); one ranged GET of the first 8 MiB: ${s3.firstPartGetMs.toFixed(0)} ms.`,
      '',
    );
    lines.push('| tool | GB/s | quilt-mcp CPU s / wall s | other work on the machine | peak RSS MiB (before) |', '| --- | --- | --- | --- | --- |');
    for (const c of s3.calls)
      lines.push(
        `| ${c.tool} | ${c.gbPerS.toFixed(2)} | ${(c.serverCpuMs / c.ms).toFixed(2)} | ${pct(c.otherBusy)} | ${mibOf(c.peakRss)} (${mibOf(c.rssBefore)}) |`,
      );
    lines.push('');
  }
  if (r.growth.length) {
    lines.push('## How cost grows with the file size', '', `![hashing time and peak memory by file size](${svgName})`, '');
    lines.push(
      '| size MiB | tool | ms | GB/s | ms per GiB | quilt-mcp RSS before MiB | peak RSS MiB | peak − before MiB |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const c of r.growth) {
      lines.push(
        `| ${mibOf(c.bytes)} | ${c.tool} | ${c.ms.toFixed(0)} | ${c.gbPerS.toFixed(2)} | ${(c.ms / (c.bytes / (1024 * MiB))).toFixed(0)} | ${mibOf(c.rssBefore)} | ${mibOf(c.peakRss)} | ${mibOf(c.peakRss - c.rssBefore)} |`,
      );
    }
    lines.push('');
  }
  for (const note of r.notes) lines.push(`- ${note}`);
  return `${lines.join('\n')}\n`;
}

/** A two-panel SVG: time (s) and peak RSS (MiB) against file size, log-log, one line per tool. */
export function growthSvg(r: HashingResults): string {
  const H = 320;
  return logChartLines<CallFigure>({
    height: H,
    points: r.growth,
    x: (c) => c.bytes,
    xLog: Math.log2,
    xTick: (s) => (s >= 1024 * MiB ? `${s / 1024 / MiB} GiB` : `${s / MiB} MiB`),
    xTitle: 'file size (log scale)',
    series: (c) => c.tool,
    colors: { package_create: '#1f77b4', package_verify: '#d62728' },
    panels: [
      { title: 'Time (s), log scale', value: (c) => c.ms / 1000 },
      { title: 'quilt-mcp peak RSS (MiB), log scale', value: (c) => c.peakRss / MiB, minDecadeAtMost: 1 },
    ],
    sortByX: false,
    footer: { text: `${r.label}, ${r.startedAt.slice(0, 16)} UTC, ${r.cores} cores`, y: H - 13 },
  }).join('\n');
}
