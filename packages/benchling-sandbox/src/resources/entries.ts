import { z } from 'zod';
import { badRequest, notFound } from '../http/errors.js';
import { archiveFilter } from '../http/query.js';
import type { EntryRecord, ReviewStatus } from '../store/types.js';
import {
  authorIdsInput,
  customFieldsInput,
  fieldsInput,
  nameInput,
  parseBody,
  resolveAuthors,
  resolveFolder,
  resolveSchema,
  uniqueId,
} from './create-common.js';
import { validateFields } from './fields.js';
import { compact, idsFilter, listResponse, PAGING_PARAMS, type Predicate } from './listing.js';
import type { Operation } from './operation.js';
import { Visibility } from './visibility.js';

const REVIEW_STATUSES = ['IN_PROGRESS', 'ACCEPTED', 'REJECTED', 'NEEDS_REVIEW', 'RETRACTED'] as const satisfies readonly ReviewStatus[];

/** components.schemas.EntryCreate (additionalProperties: false). */
const entryCreate = z.strictObject({
  name: nameInput,
  folderId: z.string().min(1),
  schemaId: z.string().optional(),
  fields: fieldsInput.optional(),
  customFields: customFieldsInput.optional(),
  // The spec still accepts a single (deprecated) string here.
  authorIds: z.union([z.string(), authorIdsInput]).optional(),
  entryTemplateId: z.string().optional(),
  initialTables: z
    .array(z.strictObject({ csvData: z.string().optional(), templateTableID: z.string().optional() }))
    .max(100)
    .optional(),
});

/** components.schemas.EntryUpdate (additionalProperties: false): only what is given changes. */
const entryUpdate = z.strictObject({
  name: nameInput.optional(),
  folderId: z.string().min(1).optional(),
  schemaId: z.string().optional(),
  fields: fieldsInput.optional(),
  // The spec types this as a single string; lists are taken as POST /entries takes them.
  authorIds: z.union([z.string(), authorIdsInput]).optional(),
});

export const entryOperations: Operation[] = [
  {
    method: 'GET',
    path: '/entries',
    operationId: 'listEntries',
    // No folderId here: Benchling's entry list filters by project; entries only carry folderId.
    query: {
      allowed: [
        ...PAGING_PARAMS,
        'sort',
        'modifiedAt',
        'name',
        'projectId',
        'archiveReason',
        'reviewStatus',
        'ids',
        'schemaId',
        'names.anyOf',
        'names.anyOf.caseSensitive',
        'assignedReviewerIds.anyOf',
        'creatorIds',
        'authorIds.anyOf',
        'displayIds',
      ],
      unsupported: ['mentionedIn', 'mentions', 'returning'],
      hints: {
        folderId: "Benchling's entry list has no folder filter: filter by projectId and select by each entry's folderId.",
        nameIncludes: "Benchling's entry list has no nameIncludes filter: use name (exact) or names.anyOf.",
      },
    },
    handle: (ctx) => {
      const q = ctx.query;
      const name = q.get('name');
      const projectId = q.get('projectId');
      const schemaId = q.get('schemaId');
      const reviewStatus = q.oneOf('reviewStatus', REVIEW_STATUSES);
      const anyOf = q.list('names.anyOf')?.map((n) => n.toLowerCase());
      const anyOfCase = q.list('names.anyOf.caseSensitive');
      const reviewers = q.list('assignedReviewerIds.anyOf');
      const creators = q.list('creatorIds');
      const authors = q.list('authorIds.anyOf');
      const displayIds = q.list('displayIds');
      const modifiedAt = q.time('modifiedAt');
      return listResponse<EntryRecord>(ctx, {
        envelope: 'entries',
        items: ctx.snapshot.all('entries'),
        defaultSort: 'modifiedAt:desc',
        filters: compact<Predicate<EntryRecord>>([
          (e) => ctx.visibility.folder(e.folderId),
          archiveFilter(q),
          name !== undefined && ((e) => e.name === name),
          projectId !== undefined && ((e) => ctx.visibility.projectOfFolder(e.folderId) === projectId),
          schemaId !== undefined && ((e) => e.schemaId === schemaId),
          reviewStatus !== undefined && ((e) => e.reviewStatus === reviewStatus),
          anyOf && ((e) => anyOf.includes(e.name.toLowerCase())),
          anyOfCase && ((e) => anyOfCase.includes(e.name)),
          reviewers && ((e) => e.assignedReviewerIds.some((r) => reviewers.includes(r))),
          creators && ((e) => creators.includes(e.creatorId)),
          authors && ((e) => e.authorIds.some((a) => authors.includes(a))),
          displayIds && ((e) => displayIds.includes(e.displayId)),
          modifiedAt && ((e) => modifiedAt(e.modifiedAt)),
          idsFilter(q.list('ids'), (id) => {
            const e = ctx.snapshot.get('entries', id);
            return e !== undefined && ctx.visibility.folder(e.folderId);
          }),
        ]),
        render: (e) => ctx.render.entry(e),
      });
    },
  },
  {
    method: 'GET',
    path: '/entries/{entry_id}',
    operationId: 'getEntry',
    query: { allowed: [], unsupported: ['returning'] },
    handle: (ctx) => {
      const id = ctx.params.entry_id!;
      const entry = ctx.snapshot.get('entries', id);
      if (!entry || !ctx.visibility.folder(entry.folderId)) throw notFound('Entry', id);
      // EntryById: the one single-object GET that Benchling wraps in an envelope.
      return { status: 200, body: { entry: ctx.render.entry(entry) } };
    },
  },
  {
    method: 'POST',
    path: '/entries',
    operationId: 'createEntry',
    query: { allowed: [] },
    handle: async (ctx) => {
      const input = parseBody(entryCreate, await ctx.readBody(), 'entry');
      if (input.entryTemplateId !== undefined) throw badRequest(`entryTemplateId: entry template ${input.entryTemplateId} not found.`);
      if (input.initialTables !== undefined) throw badRequest('initialTables needs entryTemplateId.');
      const created = await ctx.store.mutate((tx) => {
        const visibility = new Visibility(ctx.user, tx.snapshot);
        resolveFolder(tx, visibility, input.folderId);
        const schema = resolveSchema(tx, input.schemaId, 'entry', 'entry');
        const now = ctx.now();
        const authorIds = typeof input.authorIds === 'string' ? [input.authorIds] : input.authorIds;
        const entry: EntryRecord = {
          id: uniqueId(tx, 'entries'),
          displayId: `${tx.snapshot.data.entryDisplayIdPrefix}${String(tx.nextEntryDisplayNumber()).padStart(3, '0')}`,
          name: input.name,
          folderId: input.folderId,
          schemaId: schema?.id ?? null,
          fields: validateFields(tx.snapshot, visibility, schema, input.fields),
          customFields: Object.fromEntries(Object.entries(input.customFields ?? {}).map(([k, v]) => [k, v.value])),
          authorIds: resolveAuthors(ctx, authorIds),
          creatorId: ctx.user.id,
          assignedReviewerIds: [],
          reviewStatus: 'IN_PROGRESS',
          reviewComment: '',
          createdAt: now.toISOString(),
          modifiedAt: now.toISOString(),
          archiveReason: null,
          // A new entry has one empty day, dated today, as an entry created in the UI does.
          days: [{ date: now.toISOString().slice(0, 10), title: null, notes: [] }],
        };
        tx.insert('entries', entry);
        return entry;
      });
      return { status: 201, body: ctx.render.entry(created) };
    },
  },
  {
    method: 'PATCH',
    path: '/entries/{entry_id}',
    operationId: 'updateEntry',
    query: { allowed: [], unsupported: ['returning'] },
    handle: async (ctx) => {
      const id = ctx.params.entry_id!;
      const input = parseBody(entryUpdate, await ctx.readBody(), 'entry');
      const updated = await ctx.store.mutate((tx) => {
        const visibility = new Visibility(ctx.user, tx.snapshot);
        const entry = tx.snapshot.get('entries', id);
        if (!entry || !visibility.folder(entry.folderId)) throw notFound('Entry', id);
        if (input.folderId !== undefined) resolveFolder(tx, visibility, input.folderId);
        const schemaId = input.schemaId !== undefined ? input.schemaId : entry.schemaId;
        // A new schema must be live; the entry's own may have been archived since, and stays.
        const schema =
          schemaId === entry.schemaId
            ? schemaId
              ? tx.snapshot.get('schemas', schemaId)
              : undefined
            : resolveSchema(tx, schemaId ?? undefined, 'entry', 'entry');
        // Fields not given keep their values (under the same schema); the whole set is checked as on create.
        const kept = schemaId === entry.schemaId ? Object.fromEntries(Object.entries(entry.fields).map(([k, v]) => [k, { value: v }])) : {};
        const fields =
          input.fields !== undefined || schemaId !== entry.schemaId
            ? validateFields(tx.snapshot, visibility, schema, { ...kept, ...input.fields })
            : entry.fields;
        const authorIds = typeof input.authorIds === 'string' ? [input.authorIds] : input.authorIds;
        // Every change moves modifiedAt forward, so a client holding the old value can tell the entry changed.
        const now = Math.max(ctx.now().getTime(), Date.parse(entry.modifiedAt) + 1);
        const next: EntryRecord = {
          ...entry,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.folderId !== undefined && { folderId: input.folderId }),
          schemaId: schema?.id ?? null,
          fields,
          ...(authorIds !== undefined && { authorIds: resolveAuthors(ctx, authorIds) }),
          modifiedAt: new Date(now).toISOString(),
        };
        tx.update('entries', next);
        return next;
      });
      return { status: 200, body: ctx.render.entry(updated) };
    },
  },
];
