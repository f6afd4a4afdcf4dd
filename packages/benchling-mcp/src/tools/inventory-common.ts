import { z } from 'zod';
import { archivedOut, fieldsOut, shapeFields } from './common.js';

/** Inventory ids: locations loc_, boxes box_, plates plt_, containers (tubes, vials, plate wells) con_. */
export const STORAGE_PREFIX = { location: 'loc_', box: 'box_', plate: 'plt_', container: 'con_' } as const;
export type StorageKind = keyof typeof STORAGE_PREFIX;
export const STORAGE_PATH: Record<StorageKind, string> = { location: '/locations', box: '/boxes', plate: '/plates', container: '/containers' };
export const STORAGE_ENVELOPE: Record<StorageKind, string> = { location: 'locations', box: 'boxes', plate: 'plates', container: 'containers' };

const ID_BODY = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';

export function storageIdSchema(kinds: readonly StorageKind[]) {
  const prefixes = kinds.map((k) => STORAGE_PREFIX[k]);
  return z
    .string()
    .max(80)
    .regex(new RegExp(`^(${prefixes.join('|')})${ID_BODY}$`), `must be an inventory id starting ${prefixes.join(', ')}`);
}

export function storageKindOf(id: string): StorageKind | undefined {
  return (Object.keys(STORAGE_PREFIX) as StorageKind[]).find((k) => id.startsWith(STORAGE_PREFIX[k]));
}

/** An entity id a container may hold. */
export const entityIdSchema = z
  .string()
  .max(80)
  .regex(new RegExp(`^(seq|prtn|bfi|ts)_${ID_BODY}$`), 'must be an entity id (seq_, prtn_, bfi_) or an entity schema id (ts_)');

export const quantityOut = z.object({ value: z.number().nullable(), units: z.string().nullable() });

export const contentOut = z.object({
  entity_id: z.string(),
  entity_type: z.string().nullable().describe('dna_sequence, rna_sequence, aa_sequence, custom_entity...'),
  name: z.string().nullable().describe('null when your key cannot see the entity'),
  accessible: z.boolean(),
  concentration: quantityOut,
});

export const storageOut = z.object({
  id: z.string(),
  kind: z.enum(['location', 'box', 'plate', 'container']),
  name: z.string(),
  barcode: z.string().nullable(),
  parent_storage_id: z.string().nullable().describe('Where it is; a container in a plate well names the plate and well, e.g. plt_abc:a1'),
  project_id: z.string().nullable(),
  archived_reason: archivedOut,
  web_url: z.string().nullable(),
  fields: fieldsOut,
  capacity: z
    .object({ total: z.number().nullable(), occupied: z.number().nullable(), available: z.number().nullable() })
    .nullable()
    .describe('Locations, boxes and matrix plates; null for well plates and containers'),
  plate_type: z.string().nullable(),
  quantity: quantityOut.nullable().describe('Containers: how much is in it'),
  contents: z.array(contentOut).nullable().describe('Containers: the entities in it with their concentrations'),
});

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function shapeQuantity(q: unknown): z.infer<typeof quantityOut> {
  const o = (q ?? {}) as Json;
  return { value: num(o.value), units: str(o.units) };
}

const MAX_CONTENTS = 100;

/** ContainerContent: the entity, or an InaccessibleResource in its place. */
export function shapeContent(c: Json): z.infer<typeof contentOut> {
  const entity = (c.entity ?? {}) as Json;
  if (entity.resourceType === 'inaccessible_resource') {
    return {
      entity_id: str(entity.inaccessibleId) ?? '',
      entity_type: str(entity.type),
      name: null,
      accessible: false,
      concentration: shapeQuantity(c.concentration),
    };
  }
  return {
    entity_id: str(entity.id) ?? '',
    entity_type: str(entity.entityType),
    name: str(entity.name),
    accessible: true,
    concentration: shapeQuantity(c.concentration),
  };
}

export function shapeStorage(kind: StorageKind, s: Json): z.infer<typeof storageOut> {
  const total = num(s.totalCapacity);
  const hasCapacity = kind === 'location' || kind === 'box' || (kind === 'plate' && s.type === 'matrix_plate');
  const archive = s.archiveRecord as { reason?: unknown } | null | undefined;
  return {
    id: str(s.id) ?? '',
    kind,
    name: str(s.name) ?? '',
    barcode: str(s.barcode),
    parent_storage_id: str(s.parentStorageId),
    project_id: str(s.projectId),
    archived_reason: archive ? (str(archive.reason) ?? 'Archived') : null,
    web_url: str(s.webURL),
    fields: shapeFields(s.fields as Parameters<typeof shapeFields>[0]),
    capacity: hasCapacity ? { total, occupied: num(s.occupiedCapacity), available: num(s.availableCapacity) } : null,
    plate_type: kind === 'plate' ? str(s.type) : null,
    quantity: kind === 'container' ? shapeQuantity(s.quantity) : null,
    contents: kind === 'container' && Array.isArray(s.contents) ? (s.contents as Json[]).slice(0, MAX_CONTENTS).map(shapeContent) : null,
  };
}
