import { z } from 'zod';
import type { Query } from '../benchling/client.js';
import { idSchema } from '../benchling/ids.js';
import { archivedArg, archiveQuery, cursorArg, modifiedQuery, modifiedSinceArg, nameIncludesArg, pageSizeArg, sortArg, sortQuery } from './common.js';

/** The filters the DNA sequence, AA sequence and custom entity lists share (Benchling's entity list filters). */
export const entityListInput = {
  folder_id: idSchema('folder').optional().describe('Only items in this folder (lib_...)'),
  project_id: idSchema('project').optional().describe('Only items in this project (src_...)'),
  schema_id: idSchema('schema').optional().describe('Only items of this schema (ts_...)'),
  name_includes: nameIncludesArg,
  name: z.string().trim().min(1).max(500).optional().describe('Only items with exactly this name, alias or registry id'),
  registry_id: z
    .union([
      z
        .string()
        .max(80)
        .regex(/^src_[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a registry id (src_...) or "none"'),
      z.literal('none'),
    ])
    .optional()
    .describe('Only items registered in this registry (src_...), or "none" for unregistered ones'),
  modified_since: modifiedSinceArg,
  archived: archivedArg,
  sort: sortArg,
  page_size: pageSizeArg(25),
  cursor: cursorArg,
};

const entityListObject = z.object(entityListInput);
export type EntityListArgs = z.infer<typeof entityListObject>;

/** Benchling's entity list filters; `registryId` takes a registry id or "null" (unregistered). */
export function entityListQuery(args: EntityListArgs): Query {
  return {
    folderId: args.folder_id,
    projectId: args.project_id,
    schemaId: args.schema_id,
    nameIncludes: args.name_includes,
    name: args.name,
    registryId: args.registry_id === 'none' ? 'null' : args.registry_id,
    modifiedAt: modifiedQuery(args.modified_since),
    archiveReason: archiveQuery(args.archived),
    sort: sortQuery(args.sort),
  };
}

export function entityTargets(args: EntityListArgs): Record<string, unknown> {
  return {
    ...(args.folder_id && { folder_id: args.folder_id }),
    ...(args.project_id && { project_id: args.project_id }),
    ...(args.schema_id && { schema_id: args.schema_id }),
  };
}
