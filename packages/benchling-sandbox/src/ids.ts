import { randomBytes } from 'node:crypto';

/** Benchling's id prefixes (from the OpenAPI examples); clients and logs rely on them to tell kinds apart. */
export const ID_PREFIX = {
  entry: 'etr_',
  folder: 'lib_',
  project: 'src_',
  registry: 'src_',
  dnaSequence: 'seq_',
  aaSequence: 'prtn_',
  customEntity: 'bfi_',
  schema: 'ts_',
  schemaField: 'tsf_',
  user: 'ent_',
  entryTemplate: 'tmpl_',
  location: 'loc_',
  box: 'box_',
  plate: 'plt_',
  container: 'con_',
} as const;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Benchling ids are the prefix plus 8 mixed-case alphanumerics, e.g. `etr_tv7m7B78`. */
export function newId(prefix: string): string {
  const bytes = randomBytes(8);
  let out = prefix;
  // 62 does not divide 256, so there is a slight bias; irrelevant for ids that only need to be unique.
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
