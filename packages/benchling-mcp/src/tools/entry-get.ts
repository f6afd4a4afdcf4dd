import { READ_ANNOTATIONS } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import { notesAsText } from '../benchling/notes.js';
import type { ApiEntry } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { customFieldsOut, entrySummaryOut, fieldsOut, shapeCustomFields, shapeEntrySummary, shapeFields } from './common.js';

export const entryGet = benchlingTool({
  name: 'entry_get',
  title: 'Read a Benchling notebook entry',
  description:
    'Reads one notebook entry: its metadata, schema fields (values and what Benchling shows for them) and, unless include_notes is false, ' +
    'its days and notes as text (paragraphs, lists, checkboxes, tables, code), cut at max_note_chars.',
  input: z.object({
    entry_id: idSchema('entry').describe('The entry (etr_...)'),
    include_notes: z.boolean().default(true).describe('Also return the notes as text'),
    max_note_chars: z.number().int().min(500).max(200_000).default(20_000).describe('Cut the notes text at this many characters'),
  }),
  output: z.object({
    entry: entrySummaryOut.extend({
      fields: fieldsOut,
      custom_fields: customFieldsOut,
      day_count: z.number(),
      notes_text: z.string().nullable().describe('The days and notes as text; null when include_notes is false'),
      notes_truncated: z.boolean(),
    }),
  }),
  annotations: READ_ANNOTATIONS,
  targets: (args) => ({ entry_id: args.entry_id }),
  run: async (args, ctx) => {
    const { entry } = await api(ctx).get<{ entry: ApiEntry }>(`/entries/${args.entry_id}`);
    const notes = args.include_notes ? notesAsText(entry.days, args.max_note_chars) : undefined;
    return {
      entry: {
        ...shapeEntrySummary(entry),
        fields: shapeFields(entry.fields),
        custom_fields: shapeCustomFields(entry.customFields),
        day_count: entry.days?.length ?? 0,
        notes_text: notes ? notes.text : null,
        notes_truncated: notes?.truncated ?? false,
      },
    };
  },
});
