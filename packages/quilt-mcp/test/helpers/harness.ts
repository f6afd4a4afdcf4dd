/** Runs Quilt tools in-process (no HTTP), with the real registry access, for unit tests. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AnyTool, createLogger, ToolError } from '@labmcp/service-kit';
import type { Principal } from '@labmcp/service-kit/auth';
import { createAwsCredentialResolver, quiltAwsSettingsSchema, S3ClientPool } from '../../src/auth/index.js';
import { DEFAULT_LIMITS, type QuiltLimits } from '../../src/config.js';
import type { QuiltCaller, QuiltToolContext } from '../../src/context.js';
import { toToolError } from '../../src/errors.js';
import { RegistryAccess, registryRefs } from '../../src/registry/index.js';

/** A tool result read loosely in tests: the results are checked against their output schemas where they are produced. */
// biome-ignore lint/suspicious/noExplicitAny: tests read tool results after the schemas checked them
export type Any = Record<string, any>;

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const VECTORS = path.join(FIXTURES, 'quilt-vectors');
export const BUCKET = path.join(VECTORS, 'bucket');

export interface Expected {
  bucket: string;
  packages: {
    name: string;
    revisions: { timestamp: number; top_hash: string; message: string | null; entries: number; total_size: number; logical_keys: string[] }[];
  }[];
}

export async function tempDir(t: { teardown(fn: () => unknown): void }, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `labmcp-${name}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A copy of the vectors bucket as a local registry whose manifests point at local files: the fixture
 * manifests name s3://quilt-vectors/… physical keys, so the copy rewrites them to file:// URLs under the copy.
 */
export async function localVectorsRegistry(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const { readdir, readFile, writeFile } = await import('node:fs/promises');
  const root = path.join(await tempDir(t, 'vectors'), 'registry');
  await cp(BUCKET, root, { recursive: true });
  const manifests = path.join(root, '.quilt', 'packages');
  for (const name of await readdir(manifests)) {
    const file = path.join(manifests, name);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replaceAll('s3://quilt-vectors/', `${pathToFileURL(root).href}/`));
  }
  return root;
}

export function caller(
  userId = 'alice',
  scopes = ['read:packages', 'write:packages'],
  awsCredentials?: { accessKeyId: string; secretAccessKey: string },
): QuiltCaller {
  const principal: Principal = { userId, scopes: new Set(scopes), rawClaims: { sub: userId }, ...(awsCredentials ? { awsCredentials } : {}) };
  return { userId, scopes: new Set(scopes), principal, token: `token-of-${userId}` };
}

export interface Harness {
  access: RegistryAccess;
  pool: S3ClientPool;
  ctx: (who?: QuiltCaller) => QuiltToolContext;
  /** Parses args with the tool's schema, runs it, checks the result against the output schema. */
  call: <R = Record<string, unknown>>(tool: AnyTool<QuiltToolContext>, args?: Record<string, unknown>, who?: QuiltCaller) => Promise<R>;
  /** Same, expecting a ToolError; returns its message. */
  fail: (tool: AnyTool<QuiltToolContext>, args?: Record<string, unknown>, who?: QuiltCaller) => Promise<string>;
  progress: { progress: number; total?: number; message?: string }[];
}

export function harness(options: { localRoot: string; registries?: string[]; endpoint?: string; limits?: Partial<QuiltLimits> }): Harness {
  const settings = quiltAwsSettingsSchema.parse({
    ...(options.endpoint ? { AWS_ENDPOINT_URL: options.endpoint, QUILT_S3_FORCE_PATH_STYLE: 'true' } : {}),
  });
  const pool = new S3ClientPool(settings, { destroyGraceMs: 0 });
  const resolver = createAwsCredentialResolver(settings);
  const refs = registryRefs(options.localRoot, options.registries ?? []);
  const access = new RegistryAccess(refs, { resolver, pool });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = createLogger('quilt-mcp-test', 'silent');
  const progress: Harness['progress'] = [];
  const ctx = (who = caller()): QuiltToolContext => ({ caller: who, registries: refs, logger, access, limits });
  const run = async (tool: AnyTool<QuiltToolContext>, args: Record<string, unknown>, who?: QuiltCaller) => {
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) throw new ToolError(`input: ${parsed.error.message}`, 'invalid_request');
    const base = ctx(who);
    if (tool.scope && !base.caller.scopes.has(tool.scope)) throw new ToolError(`${tool.name} needs the ${tool.scope} scope`, 'insufficient_scope');
    const result = await tool.run(parsed.data, {
      ...base,
      userId: base.caller.userId,
      log: logger,
      signal: new AbortController().signal,
      progress: async (p: number, total?: number, message?: string) => {
        progress.push({ progress: p, ...(total !== undefined && { total }), ...(message !== undefined && { message }) });
      },
    });
    const checked = tool.output.safeParse(result);
    if (!checked.success) throw new Error(`${tool.name} output does not match its schema: ${checked.error.message}`);
    JSON.stringify(result); // must serialise
    return result;
  };
  return {
    access,
    pool,
    ctx,
    progress,
    call: async (tool, args = {}, who) => (await run(tool, args, who)) as never,
    fail: async (tool, args = {}, who) => {
      try {
        await run(tool, args, who);
      } catch (err) {
        // What the MCP frame does with a failure: the server's one translation, then the ToolError's message.
        const known = err instanceof ToolError ? err : toToolError(err);
        if (known !== undefined) return known.message;
        throw err;
      }
      throw new Error(`${tool.name} succeeded but was expected to fail`);
    },
  };
}
