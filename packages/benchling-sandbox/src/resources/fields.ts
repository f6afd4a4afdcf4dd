import { badRequest } from '../http/errors.js';
import type { Snapshot } from '../store/tenant-store.js';
import type { FieldDefinitionRecord, FieldType, FieldValue, SchemaRecord } from '../store/types.js';
import type { Visibility } from './visibility.js';

/** Link field types whose values are ids of one kind of object, by id prefix. */
const LINK_TARGET: Partial<Record<FieldType, { prefixes: string[]; label: string }>> = {
  dna_sequence_link: { prefixes: ['seq_'], label: 'DNA sequence' },
  aa_sequence_link: { prefixes: ['prtn_'], label: 'AA sequence' },
  custom_entity_link: { prefixes: ['bfi_'], label: 'custom entity' },
  entity_link: { prefixes: ['seq_', 'prtn_', 'bfi_'], label: 'entity' },
  entry_link: { prefixes: ['etr_'], label: 'entry' },
};

/** Field types the sandbox can validate and render; others are refused on create rather than stored blindly. */
const SUPPORTED_TYPES = new Set<FieldType>([
  'text',
  'long_text',
  'integer',
  'float',
  'boolean',
  'date',
  'datetime',
  'json',
  ...(Object.keys(LINK_TARGET) as FieldType[]),
]);

type Named = { id: string; name: string; folderId?: string | null; registryId?: string | null };

export function findLinked(snapshot: Snapshot, id: string): Named | undefined {
  if (id.startsWith('seq_')) return snapshot.get('dnaSequences', id);
  if (id.startsWith('prtn_')) return snapshot.get('aaSequences', id);
  if (id.startsWith('bfi_')) return snapshot.get('customEntities', id);
  if (id.startsWith('etr_')) return snapshot.get('entries', id);
  return undefined;
}

/**
 * The API's `fields` object: every field of the schema, unset ones with null values, as Benchling returns them.
 * displayValue/textValue are what the UI shows (linked objects by name).
 */
export function renderFields(snapshot: Snapshot, schema: SchemaRecord | undefined, values: Record<string, FieldValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!schema) return out;
  for (const def of schema.fieldDefinitions) {
    const value = values[def.name] ?? null;
    const display = displayOf(snapshot, def, value);
    out[def.name] = { isMulti: def.isMulti, type: def.type, value, displayValue: display, textValue: display };
  }
  return out;
}

function displayOf(snapshot: Snapshot, def: FieldDefinitionRecord, value: FieldValue): string | null {
  if (value === null) return null;
  if (LINK_TARGET[def.type]) {
    const ids = Array.isArray(value) ? value : [String(value)];
    return ids.map((id) => findLinked(snapshot, id)?.name ?? id).join(', ');
  }
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Validates `fields` of a create request against the schema and returns the values to store. Link values must
 * name objects of the right kind that the caller can see.
 */
export function validateFields(
  snapshot: Snapshot,
  visibility: Visibility,
  schema: SchemaRecord | undefined,
  input: Record<string, { value: FieldValue }> | undefined,
): Record<string, FieldValue> {
  if (!schema) {
    if (input && Object.keys(input).length > 0) throw badRequest('fields can only be set together with a schemaId whose schema defines them.');
    return {};
  }
  const out: Record<string, FieldValue> = {};
  const given = input ?? {};
  for (const name of Object.keys(given)) {
    if (!schema.fieldDefinitions.some((d) => d.name === name)) {
      throw badRequest(
        `Schema "${schema.name}" (${schema.id}) has no field named "${name}". Its fields: ${schema.fieldDefinitions.map((d) => d.name).join(', ')}.`,
      );
    }
  }
  for (const def of schema.fieldDefinitions) {
    const raw = given[def.name]?.value ?? null;
    if (raw === null) {
      if (def.isRequired) throw badRequest(`Field "${def.name}" is required by schema "${schema.name}".`);
      continue;
    }
    out[def.name] = coerce(snapshot, visibility, def, raw);
  }
  return out;
}

function coerce(snapshot: Snapshot, visibility: Visibility, def: FieldDefinitionRecord, raw: Exclude<FieldValue, null>): FieldValue {
  const bad = (expected: string) =>
    badRequest(`Field "${def.name}" (${def.type}${def.isMulti ? ', multi' : ''}) expects ${expected}; got ${JSON.stringify(raw)}.`);
  if (!SUPPORTED_TYPES.has(def.type)) throw badRequest(`Field "${def.name}" has type ${def.type}, which this sandbox cannot set.`);
  if (def.isMulti) {
    if (!Array.isArray(raw)) throw bad('a list of values');
    return raw.map((v) => coerceOne(snapshot, visibility, def, v, bad) as string);
  }
  if (Array.isArray(raw)) throw bad('a single value');
  return coerceOne(snapshot, visibility, def, raw, bad);
}

function coerceOne(
  snapshot: Snapshot,
  visibility: Visibility,
  def: FieldDefinitionRecord,
  raw: Exclude<FieldValue, string[] | null>,
  bad: (expected: string) => Error,
): Exclude<FieldValue, string[] | null> {
  const link = LINK_TARGET[def.type];
  if (link) {
    if (typeof raw !== 'string' || !link.prefixes.some((p) => raw.startsWith(p))) throw bad(`the id of a ${link.label} (${link.prefixes.join(' or ')}...)`);
    const target = findLinked(snapshot, raw);
    if (!target || !visibility.filed({ folderId: target.folderId ?? null, registryId: target.registryId ?? null }))
      throw badRequest(`Field "${def.name}": ${link.label} ${raw} not found.`);
    if (def.linkedSchemaId && (target as { schemaId?: string | null }).schemaId !== def.linkedSchemaId) {
      throw badRequest(`Field "${def.name}" links only to entities of schema ${def.linkedSchemaId}.`);
    }
    return raw;
  }
  switch (def.type) {
    case 'text':
    case 'long_text':
    case 'json':
      if (typeof raw !== 'string') throw bad('a string');
      return raw;
    case 'boolean':
      if (typeof raw !== 'boolean') throw bad('true or false');
      return raw;
    case 'integer':
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) throw bad(def.type === 'integer' ? 'a whole number' : 'a number');
      if (def.numericMin != null && n < def.numericMin) throw bad(`a number >= ${def.numericMin}`);
      if (def.numericMax != null && n > def.numericMax) throw bad(`a number <= ${def.numericMax}`);
      return n;
    }
    case 'date':
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(raw))) throw bad('a date (YYYY-MM-DD)');
      return raw;
    case 'datetime':
      if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw bad('an RFC 3339 date-time');
      return new Date(raw).toISOString();
    default:
      throw bad('a supported value');
  }
}

/**
 * `schemaField.<name>` list filters: exact match on the stored value (not the display value); numeric and date
 * fields also take `>=` / `<=` bounds joined by AND (Benchling supports those, not `<`/`>`).
 */
export function schemaFieldFilter(schema: SchemaRecord, name: string, raw: string): (values: Record<string, FieldValue>) => boolean {
  const def = schema.fieldDefinitions.find((d) => d.name === name);
  if (!def) throw badRequest(`schemaField.${name}: schema "${schema.name}" has no field named "${name}".`);
  const ordered = def.type === 'integer' || def.type === 'float' || def.type === 'date' || def.type === 'datetime';
  const toComparable = (v: string): number => {
    const n = def.type === 'integer' || def.type === 'float' ? Number(v) : Date.parse(v);
    if (Number.isNaN(n)) throw badRequest(`schemaField.${name}: "${v}" is not a valid ${def.type}.`);
    return n;
  };
  if (ordered) {
    const tests = raw.split(/\s+AND\s+/i).map((part) => {
      const m = /^(>=|<=)?\s*(.+)$/.exec(part.trim());
      if (!m || m[2] === undefined) throw badRequest(`schemaField.${name}: cannot read "${raw}".`);
      const bound = toComparable(m[2]);
      return m[1] === '>=' ? (x: number) => x >= bound : m[1] === '<=' ? (x: number) => x <= bound : (x: number) => x === bound;
    });
    return (values) => {
      const v = values[name];
      if (v === null || v === undefined || Array.isArray(v) || typeof v === 'boolean') return false;
      const x = toComparableSafe(def, v);
      return x !== undefined && tests.every((t) => t(x));
    };
  }
  return (values) => {
    const v = values[name];
    if (v === null || v === undefined) return false;
    return Array.isArray(v) ? v.includes(raw) : String(v) === raw;
  };
}

function toComparableSafe(def: FieldDefinitionRecord, v: string | number): number | undefined {
  const n = def.type === 'integer' || def.type === 'float' ? Number(v) : Date.parse(String(v));
  return Number.isNaN(n) ? undefined : n;
}
