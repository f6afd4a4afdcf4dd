import { z } from 'zod';

/** Benchling's id prefixes (see the OpenAPI description's examples). */
export const ID_PREFIX = {
  entry: 'etr_',
  folder: 'lib_',
  project: 'src_',
  dnaSequence: 'seq_',
  aaSequence: 'prtn_',
  customEntity: 'bfi_',
  schema: 'ts_',
  user: 'ent_',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/** Prefix plus Benchling's id characters; short and safe to put into a URL path as is. */
const ID_BODY = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';

export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIX[kind]}${ID_BODY}$`);
}

const LABEL: Record<IdKind, string> = {
  entry: 'an entry',
  folder: 'a folder',
  project: 'a project',
  dnaSequence: 'a DNA sequence',
  aaSequence: 'an AA sequence',
  customEntity: 'a custom entity',
  schema: 'a schema',
  user: 'a user',
};

/** A zod string for one kind of id, with an error that says what shape is expected. */
export function idSchema(kind: IdKind) {
  return z
    .string()
    .max(80)
    .regex(idPattern(kind), `must be ${LABEL[kind]} id: ${ID_PREFIX[kind]} followed by letters and digits, e.g. ${ID_PREFIX[kind]}abc123`);
}

/** What kind of object an id names, by its prefix; undefined for anything else. */
export function kindOfId(id: string): IdKind | undefined {
  for (const kind of Object.keys(ID_PREFIX) as IdKind[]) if (idPattern(kind).test(id)) return kind;
  return undefined;
}
