import { writeAudit } from '@labmcp/service-kit';
import { z } from 'zod';
import type { FieldInput } from '../benchling/fields.js';
import type { ApiDnaSequence } from '../benchling/types.js';
import { api, type ToolCtx } from '../context.js';
import { fieldsForSchema } from './create-common.js';
import { annotationsBody } from './sequence-common.js';

/** What dna_sequence_create and rna_sequence_create share: the bases argument and the create itself. */

/** Stays below the MCP request body limit (1 MiB by default) with room for the rest of the call. */
const MAX_BASES = 500_000;

/** The bases of a nucleotide sequence, IUPAC letters (`shown` lists them in the refusal). */
export function basesArg(shown: string) {
  return z
    .string()
    .min(1)
    .max(MAX_BASES)
    .regex(/^[ACGTUNRYKMSWBDHVacgtunrykmswbdhv]+$/, `must be IUPAC nucleotide letters only (${shown}), without spaces or numbers`);
}

const KINDS = {
  dna_sequence: { path: '/dna-sequences', label: 'DNA' },
  rna_sequence: { path: '/rna-sequences', label: 'RNA' },
} as const;

export interface SequenceCreateArgs {
  name: string;
  bases: string;
  folder_id: string;
  schema_id?: string | undefined;
  fields?: Record<string, FieldInput> | undefined;
  aliases?: string[] | undefined;
  annotations?: { name: string; start: number; end: number; strand: number; type: string }[] | undefined;
}

/**
 * Checks the field values against the schema, then creates the sequence (one POST: nothing is written unless the
 * values fit) and records the audit line.
 */
export async function createSequence(ctx: ToolCtx, kind: keyof typeof KINDS, args: SequenceCreateArgs, isCircular: boolean): Promise<ApiDnaSequence> {
  const { path, label } = KINDS[kind];
  const fields = await fieldsForSchema(ctx, { schemaId: args.schema_id, kind, fields: args.fields });
  const annotations = annotationsBody(args.annotations, args.bases.length);
  const created = await api(ctx).post<ApiDnaSequence>(path, {
    name: args.name,
    bases: args.bases,
    isCircular,
    folderId: args.folder_id,
    ...(args.schema_id && { schemaId: args.schema_id }),
    ...(fields && { fields }),
    ...(args.aliases?.length && { aliases: args.aliases }),
    ...(annotations && { annotations }),
  });
  writeAudit(ctx.log, { event: 'created', created: { type: kind, id: created.id }, folderId: args.folder_id }, `${label} sequence created`);
  return created;
}
