/**
 * Quilt+ URIs in: `quilt+s3://bucket#package=user/pkg[@<top hash>|:latest]&path=<path>&catalog=<host>` as the Quilt
 * catalog and quilt3 print them (and `quilt+file:///abs/registry#…` for local registries), accepted by every tool
 * that takes a registry, package, revision or path, in place of (or agreeing with) those arguments.
 */
import { ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { PACKAGE_NAME } from '../quilt/index.js';
import { pyUnquote } from '../registry/physical-keys.js';
import { REVISION } from './common.js';

export interface QuiltUri {
  /** `s3://bucket` or `file:///abs/path`. */
  registry: string;
  package?: string;
  /** A top hash (or prefix) from `@…`, or `latest` from `:latest`; absent when the URI names none. */
  revision?: string;
  path?: string;
  catalog?: string;
}

export const uriArg = z
  .string()
  .trim()
  .min(9)
  .max(2200)
  .optional()
  .describe(
    'A Quilt+ URI naming registry, package, revision and path at once, as the Quilt catalog and quilt3 print them: ' +
      'quilt+s3://bucket#package=user/pkg@<top hash>&path=data/a.csv (or :latest, or quilt+file:///abs/registry#…). ' +
      'Instead of those arguments, or with them if they agree.',
  );

export function parseQuiltUri(uri: string): QuiltUri {
  const bad = (why: string) =>
    new ToolError(
      `${JSON.stringify(uri.slice(0, 200))} is not a Quilt+ URI (${why}); expected quilt+s3://bucket#package=user/pkg@<top hash>&path=…`,
      'invalid_request',
    );
  const m = /^quilt\+(s3|file):\/\/([^#]*)(?:#(.*))?$/i.exec(uri);
  if (!m) throw bad('it must start with quilt+s3:// or quilt+file://');
  const scheme = (m[1] as string).toLowerCase();
  const location = (m[2] as string).replace(/\/+$/, '');
  if (location === '') throw bad(scheme === 's3' ? 'no bucket' : 'no path');
  if (scheme === 's3' && location.includes('/')) throw bad('a bucket, not a key, follows quilt+s3://');
  const out: QuiltUri = { registry: `${scheme}://${location}` };
  for (const part of (m[3] ?? '').split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = pyUnquote(eq === -1 ? '' : part.slice(eq + 1));
    if (name === 'package') {
      const spec = /^([^@:]+)(?:@([0-9a-fA-F]+)|:([^@:]+))?$/.exec(value);
      if (!spec) throw bad('package= is user/pkg, then @<top hash> or :latest');
      const name = spec[1] as string;
      if (!PACKAGE_NAME.test(name)) throw bad(`${JSON.stringify(name)} is not a package name`);
      out.package = name;
      if (spec[2] !== undefined) {
        if (!REVISION.test(spec[2]) || spec[2].length < 6) throw bad('the top hash after @ must be 6-64 hex digits');
        out.revision = spec[2].toLowerCase();
      } else if (spec[3] !== undefined) {
        if (spec[3] !== 'latest') throw bad(`the only tag is :latest, not :${spec[3]}`);
        out.revision = 'latest';
      }
    } else if (name === 'path') {
      if (value !== '') out.path = value;
    } else if (name === 'catalog') {
      out.catalog = value;
    }
    // Other fragment fields are ignored, as the catalog ignores them.
  }
  if (out.path !== undefined && out.package === undefined) throw bad('path= needs package=');
  return out;
}

/** Agreeing values: the argument, the URI's, or a refusal naming both. */
function agree(field: string, given: string | undefined, fromUri: string | undefined): string | undefined {
  if (given === undefined || given === '') return fromUri ?? given;
  if (fromUri === undefined || fromUri === given) return given;
  throw new ToolError(`${field} ${JSON.stringify(given)} disagrees with the Quilt+ URI's ${JSON.stringify(fromUri)}: give one of them.`, 'invalid_request');
}

/** Registry agreement compares the spellings the tools accept (a bare bucket name is its s3:// URL). */
function agreeRegistry(given: string | undefined, fromUri: string | undefined): string | undefined {
  if (given === undefined || fromUri === undefined) return given ?? fromUri;
  const spell = (r: string) => (/^[a-z0-9][a-z0-9.-]*$/.test(r) ? `s3://${r}` : r.replace(/\/+$/, ''));
  if (spell(given) === spell(fromUri)) return given;
  throw new ToolError(`registry ${JSON.stringify(given)} disagrees with the Quilt+ URI's ${JSON.stringify(fromUri)}: give one of them.`, 'invalid_request');
}

export interface Target {
  registry: string | undefined;
  package: string;
  revision: string;
  path: string | undefined;
}

/**
 * The registry, package, revision and path a call names, from its arguments and its `uri`. `revision` defaults to
 * "latest" in the schemas, so a URI's revision wins over that default; a different explicit one is refused.
 */
export function target(
  args: { uri?: string | undefined; registry?: string | undefined; package?: string | undefined; revision?: string },
  path?: string,
): Target {
  const uri = args.uri === undefined ? undefined : parseQuiltUri(args.uri);
  const pkg = agree('package', args.package, uri?.package);
  if (pkg === undefined) throw new ToolError('Give package (or a Quilt+ URI with #package=…).', 'invalid_request');
  const revision = args.revision === undefined || args.revision === 'latest' ? (uri?.revision ?? 'latest') : agree('revision', args.revision, uri?.revision);
  return { registry: agreeRegistry(args.registry, uri?.registry), package: pkg, revision: revision as string, path: agree('path', path, uri?.path) };
}

/** Only the registry of a call (tools on a registry rather than a package). */
export function registryOf(args: { uri?: string | undefined; registry?: string | undefined }): string | undefined {
  return agreeRegistry(args.registry, args.uri === undefined ? undefined : parseQuiltUri(args.uri).registry);
}

type Named = { uri?: string | undefined; registry?: string | undefined; package?: string | undefined; revision?: string };

/**
 * `args` with registry, package, revision and (under `pathKey`) path filled in from its Quilt+ URI: what a tool's
 * `run` works on. `revision` is "latest" when neither names one.
 */
export function resolved<A extends Named, K extends keyof A & string = never>(
  args: A,
  pathKey?: K,
): Omit<A, 'package' | 'revision' | K> & { registry: string | undefined; package: string; revision: string } & { [P in K]: A[P] } {
  const t = target(args, pathKey === undefined ? undefined : (args[pathKey] as string | undefined));
  return { ...args, registry: t.registry, package: t.package, revision: t.revision, ...(pathKey === undefined ? {} : { [pathKey]: t.path }) } as never;
}
