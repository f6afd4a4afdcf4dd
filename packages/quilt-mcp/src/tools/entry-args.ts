/** Arguments shared by package_create and package_update: the files and folders a new revision is built from. */
import { z } from 'zod';
import type { JsonObject } from '../quilt/index.js';
import type { DirectoryInput, EntryInput } from '../registry/index.js';
import { logicalKeyArg, metaArg } from './common.js';
import { metaFrom, metaJsonArg } from './meta-text.js';

export const MAX_ENTRY_SPECS = 1000;
export const MAX_INLINE_TEXT = 256 * 1024;

export const entrySpec = z.object({
  logical_key: logicalKeyArg,
  physical_key: z
    .string()
    .min(1)
    .max(1100)
    .optional()
    .describe('An object already in this registry\'s storage: a key ("raw/a.csv") or its s3://same-bucket/… or file:///registry-root/… URL'),
  text: z
    .string()
    .max(MAX_INLINE_TEXT)
    .optional()
    .describe(`Small inline content (UTF-8, at most ${MAX_INLINE_TEXT} characters), stored in the registry under <package>/.inline/<write id>/<logical_key>`),
  meta: metaArg.optional().describe("The entry's user metadata (a JSON object)"),
  meta_json: metaJsonArg.optional(),
});

export type EntrySpec = z.infer<typeof entrySpec>;

export const directorySpec = z.object({
  physical_prefix: z.string().min(1).max(1024).describe('Every object under this key prefix (a "folder" of the registry storage) becomes an entry'),
  logical_prefix: z.string().max(1024).default('').describe('Prefix of their logical keys in the package (default: the top level), e.g. "raw/"'),
  include: z
    .array(z.string().min(1).max(256))
    .max(50)
    .optional()
    .describe('Only objects whose key below physical_prefix matches one of these globs ("*.csv", "run1/**", "**/*.json"; no "/": any depth)'),
  exclude: z.array(z.string().min(1).max(256)).max(50).optional().describe('Leave out objects whose key below physical_prefix matches one of these globs'),
});

export type DirectorySpec = z.infer<typeof directorySpec>;

/** An entry's manifest metadata from the caller's user metadata (`meta` or `meta_json`): `{user_meta: …}`, or `{}` without any. */
export function entryMeta(spec: Pick<EntrySpec, 'meta' | 'meta_json'>, where: string): JsonObject {
  const userMeta = metaFrom(spec.meta, spec.meta_json, where);
  if (userMeta === undefined) return {};
  const out: JsonObject = {};
  out.user_meta = userMeta;
  return out;
}

export function entryInputs(specs: EntrySpec[]): EntryInput[] {
  return specs.map((spec) => ({
    logical_key: spec.logical_key,
    physical_key: spec.physical_key,
    text: spec.text,
    meta: entryMeta(spec, `meta of ${spec.logical_key}`),
  }));
}

export function directoryInputs(specs: DirectorySpec[]): DirectoryInput[] {
  return specs.map((d) => ({
    physical_prefix: d.physical_prefix,
    logical_prefix: d.logical_prefix,
    ...(d.include !== undefined && { include: d.include }),
    ...(d.exclude !== undefined && { exclude: d.exclude }),
  }));
}
