import { READ_ANNOTATIONS, ToolError } from '@labmcp/service-kit';
import { z } from 'zod';
import { plainEnd } from '../benchling/features.js';
import { idSchema } from '../benchling/ids.js';
import { type ExportFeature, type ExportSequence, toFasta, toGenBank } from '../benchling/sequence-formats.js';
import type { ApiAaSequence, ApiDnaSequence } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';

const PATHS = { dna: '/dna-sequences', rna: '/rna-sequences', aa: '/aa-sequences' } as const;

export const sequenceExport = benchlingTool({
  name: 'sequence_export',
  title: 'Export a Benchling sequence as FASTA or GenBank',
  description:
    'Exports one DNA, RNA or AA sequence as FASTA or as a GenBank flat file (features with 1-based locations, translations as ' +
    '/translation qualifiers). The text comes back whole or not at all: a file longer than max_chars is refused with its size.',
  input: z
    .object({
      sequence_type: z.enum(['dna', 'rna', 'aa']).describe('dna and rna ids start seq_, aa ids prtn_'),
      sequence_id: z.string().max(80).describe('The sequence (seq_... or prtn_...)'),
      format: z.enum(['fasta', 'genbank']).default('fasta'),
      max_chars: z.number().int().min(1000).max(5_000_000).default(500_000).describe('Refuse exports longer than this'),
    })
    .superRefine((a, issue) => {
      const ok = (a.sequence_type === 'aa' ? idSchema('aaSequence') : idSchema('dnaSequence')).safeParse(a.sequence_id);
      if (!ok.success) issue.addIssue({ code: 'custom', path: ['sequence_id'], message: ok.error.issues[0]?.message ?? 'not a sequence id' });
    }),
  output: z.object({
    sequence_id: z.string(),
    name: z.string(),
    format: z.enum(['fasta', 'genbank']),
    filename: z.string().describe('A file name for the export'),
    length: z.number().describe('residues'),
    content: z.string(),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ sequence_id: args.sequence_id }),
  run: async (args, ctx) => {
    const s = await api(ctx).get<ApiDnaSequence & ApiAaSequence>(`${PATHS[args.sequence_type]}/${args.sequence_id}`);
    const residues = args.sequence_type === 'aa' ? (s.aminoAcids ?? '') : (s.bases ?? '');
    const length = residues.length;
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    const features: ExportFeature[] = [];
    for (const a of s.annotations ?? []) {
      const start = num(a.start);
      const end = plainEnd(num(a.end), length);
      if (start === null || end === null) continue;
      features.push({
        name: a.name ?? '',
        type: a.type ?? 'misc_feature',
        start,
        end,
        strand: num((a as { strand?: number }).strand) ?? 1,
        notes: (a as { notes?: string }).notes ?? '',
      });
    }
    for (const t of s.translations ?? []) {
      const start = num(t.start);
      const end = plainEnd(num(t.end), length);
      if (start === null || end === null) continue;
      features.push({ name: t.name ?? '', type: 'CDS', start, end, strand: num(t.strand) ?? 1, ...(t.aminoAcids ? { translation: t.aminoAcids } : {}) });
    }
    const record: ExportSequence = {
      id: s.id,
      name: s.name ?? s.id,
      registryId: typeof s.entityRegistryId === 'string' ? s.entityRegistryId : null,
      residues,
      kind: args.sequence_type,
      circular: s.isCircular === true,
      features,
      modifiedAt: typeof s.modifiedAt === 'string' ? s.modifiedAt : null,
    };
    // The whole text is built before it is measured; the read itself is bounded by the client's response limit.
    const content = args.format === 'fasta' ? toFasta(record) : toGenBank(record);
    if (content.length > args.max_chars) {
      throw new ToolError(
        `The ${args.format} export of ${s.id} is ${content.length} characters, more than max_chars (${args.max_chars}). Raise max_chars (up to 5,000,000), or use ${args.sequence_type === 'aa' ? 'aa_sequence_get' : `${args.sequence_type}_sequence_get`} with max_bases for part of it.`,
        'too_large',
      );
    }
    const safeName = (record.registryId ?? record.name).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || s.id;
    return { sequence_id: s.id, name: record.name, format: args.format, filename: `${safeName}.${args.format === 'fasta' ? 'fasta' : 'gb'}`, length, content };
  },
});
