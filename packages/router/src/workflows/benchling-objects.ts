import { fasta, genbank, type SequenceRecord, stableJson } from './formats.js';
import { type BenchlingObjectType, type ProvenanceObject, sha256, TYPE_OF_PREFIX } from './provenance.js';
import { type WorkflowContext, WorkflowError } from './workflow.js';

/** A file of the package: inline text, as quilt_package_create takes it. */
export interface PackagedFile {
  logical_key: string;
  text: string;
}

/** One Benchling object as packaged: its files, and what the provenance says of it. */
export interface PackagedObject {
  meta: ProvenanceObject;
  files: PackagedFile[];
}

type Json = Record<string, unknown>;

/** At most this many characters per file: quilt_package_create's limit for inline text. */
export const MAX_FILE_CHARS = 256 * 1024;
const MAX_RESIDUES = 180_000;
const ID_IN_TEXT = /\b(?:seq|prtn|bfi)_[A-Za-z0-9]{4,64}\b/g;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function schemaIdOf(object: Json): string | null {
  return str((object.schema as Json | null | undefined)?.id);
}

function packaged(type: BenchlingObjectType, object: Json, files: PackagedFile[]): PackagedObject {
  for (const file of files) {
    if (file.text.length > MAX_FILE_CHARS) {
      throw new WorkflowError(`${file.logical_key} would hold ${file.text.length} characters, more than the ${MAX_FILE_CHARS} a packaged file may`);
    }
  }
  return {
    files,
    meta: {
      type,
      id: String(object.id),
      name: str(object.name),
      web_url: str(object.web_url),
      schema_id: schemaIdOf(object),
      files: files.map((f) => f.logical_key),
      digest: sha256(files.map((f) => `${f.logical_key}\n${f.text}`).join('\n')),
    },
  };
}

/**
 * The entry as packaged: `entry.json` (metadata and fields) and `notes.json`. Left out: `modified_at` and the
 * write-back field, which the write-back itself changes — with them in, writing the URI back would make the
 * next run see a changed entry and package it again.
 */
export async function readEntry(
  ctx: WorkflowContext,
  entryId: string,
  writeBackField: string | null,
): Promise<{ entry: Json; object: PackagedObject; linked: string[] }> {
  const { entry } = (await ctx.call('benchling', 'entry_get', { entry_id: entryId, include_notes: true, max_note_chars: 200_000 })) as { entry: Json };
  const { notes_text, notes_truncated, day_count, modified_at: _modifiedAt, fields, ...rest } = entry;
  const kept: Json = { ...(fields as Json) };
  if (writeBackField !== null) delete kept[writeBackField];
  const files = [
    { logical_key: 'entry.json', text: stableJson({ ...rest, fields: kept }) },
    { logical_key: 'notes.json', text: stableJson({ entry_id: entryId, day_count, notes_text, notes_truncated }) },
  ];
  return { entry, object: packaged('entry', entry, files), linked: linkedIds(kept, str(notes_text)) };
}

/** The sequences and entities an entry links to: link field values, and ids its notes mention. */
function linkedIds(fields: Json, notes: string | null): string[] {
  const ids = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && /^(?:seq|prtn|bfi)_[A-Za-z0-9]+$/.test(v)) ids.add(v);
    if (Array.isArray(v)) v.forEach(add);
  };
  for (const field of Object.values(fields)) add((field as Json | null)?.value);
  for (const match of notes?.matchAll(ID_IN_TEXT) ?? []) ids.add(match[0]);
  return [...ids].sort();
}

/** A linked object as packaged: sequences as GenBank and FASTA, custom entities as JSON. */
export async function readLinked(ctx: WorkflowContext, id: string): Promise<PackagedObject> {
  const type = TYPE_OF_PREFIX[id.split('_')[0]!];
  if (type === 'dna_sequence' || type === 'aa_sequence') {
    const dna = type === 'dna_sequence';
    const answer = dna
      ? await ctx.call('benchling', 'dna_sequence_get', { dna_sequence_id: id, include_bases: true, max_bases: MAX_RESIDUES })
      : await ctx.call('benchling', 'aa_sequence_get', { aa_sequence_id: id, include_residues: true, max_residues: MAX_RESIDUES });
    const s = (dna ? answer.dna_sequence : answer.aa_sequence) as Json;
    if (s[dna ? 'bases_truncated' : 'amino_acids_truncated']) throw new WorkflowError(`${id} is longer than the ${MAX_RESIDUES} residues packaged here`);
    const record: SequenceRecord = {
      id,
      name: str(s.name) ?? id,
      residues: str(dna ? s.bases : s.amino_acids) ?? '',
      kind: dna ? 'dna' : 'aa',
      circular: s.is_circular === true,
      date: str(s.created_at),
      webUrl: str(s.web_url),
      features: (s.annotations as SequenceRecord['features'] | undefined) ?? [],
    };
    const folder = dna ? 'dna' : 'aa';
    return packaged(type, s, [
      { logical_key: `sequences/${folder}/${id}.gb`, text: genbank(record) },
      { logical_key: `sequences/${folder}/${id}.fasta`, text: fasta(record) },
    ]);
  }
  if (type === 'custom_entity') {
    const { custom_entity } = (await ctx.call('benchling', 'custom_entity_get', { custom_entity_id: id })) as { custom_entity: Json };
    const { modified_at: _modifiedAt, ...rest } = custom_entity;
    return packaged(type, custom_entity, [{ logical_key: `entities/${id}.json`, text: stableJson(rest) }]);
  }
  throw new WorkflowError(`${id} is not an id of an object packaged here`);
}
