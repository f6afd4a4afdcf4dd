import { DESTRUCTIVE_ANNOTATIONS, ToolError, writeAudit } from '@labmcp/service-kit';
import { z } from 'zod';
import { idSchema } from '../benchling/ids.js';
import type { ApiEntry } from '../benchling/types.js';
import { api, benchlingTool } from '../context.js';
import { entrySummaryOut, fieldsArg, fieldsOut, nameArg, shapeEntrySummary, shapeFields } from './common.js';
import { fieldsForSchema } from './create-common.js';

export const entryUpdate = benchlingTool({
  name: 'entry_update',
  title: 'Update a Benchling notebook entry',
  description:
    "Changes an entry's name and/or schema field values (PATCH /entries/{id}); fields not named keep their values, a field given " +
    'as null is cleared. Pass the modified_at you read (entry_get): if the entry has changed since, nothing is written and you ' +
    'are told to read it again, so a newer change is never overwritten. Values are checked against the entry schema first. ' +
    'Benchling keeps no undo here: confirm the change with the user first.',
  input: z.object({
    entry_id: idSchema('entry').describe('The entry (etr_...)'),
    if_modified_at: z
      .string()
      .min(1)
      .max(40)
      .describe("The entry's modified_at as you last read it (entry_get); the update is refused if the entry changed since"),
    name: nameArg.optional().describe('A new name'),
    fields: fieldsArg,
  }),
  output: z.object({ entry: entrySummaryOut.extend({ fields: fieldsOut }), changed: z.array(z.string()).describe('What was set: "name" and field names') }),
  annotations: DESTRUCTIVE_ANNOTATIONS,
  targets: (args) => ({ entry_id: args.entry_id }),
  run: async (args, ctx) => {
    const fieldNames = Object.keys(args.fields ?? {});
    if (args.name === undefined && fieldNames.length === 0) throw new ToolError('Give a name or fields to change.', 'invalid_request');
    const session = api(ctx);
    const { entry } = await session.get<{ entry: ApiEntry }>(`/entries/${args.entry_id}`);
    // Benchling has no conditional update: the check is made on a fresh read just before the write, which narrows
    // the window for a lost update to the time between the two requests.
    if (entry.modifiedAt !== args.if_modified_at) {
      throw new ToolError(
        `Entry ${args.entry_id} changed since you read it (modified_at is now ${entry.modifiedAt ?? 'unknown'}, not ${args.if_modified_at}); nothing was written. Read it again (entry_get) and decide with the current values.`,
        'conflict',
      );
    }
    if (entry.archiveRecord) throw new ToolError(`Entry ${args.entry_id} is archived; unarchive it in Benchling first.`, 'conflict');
    const fields =
      fieldNames.length > 0
        ? await fieldsForSchema(ctx, { schemaId: entry.schema?.id ?? undefined, kind: 'entry', fields: args.fields, update: true })
        : undefined;
    const updated = await session.patch<ApiEntry>(`/entries/${args.entry_id}`, {
      ...(args.name !== undefined && { name: args.name }),
      ...(fields && { fields }),
    });
    const changed = [...(args.name !== undefined ? ['name'] : []), ...Object.keys(fields ?? {})];
    writeAudit(ctx.log, { event: 'updated', updated: { type: 'entry', id: args.entry_id }, changed }, 'entry updated');
    return { entry: { ...shapeEntrySummary(updated), fields: shapeFields(updated.fields) }, changed };
  },
});
