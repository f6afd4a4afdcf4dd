import type { ApiFieldDefinition, ApiSchema } from './types.js';

/** A value a tool accepts for one schema field. */
export type FieldInput = string | number | boolean | string[] | null;

/** Link fields hold ids of one kind of object, known by prefix. */
const LINK_PREFIXES: Record<string, { prefixes: string[]; label: string }> = {
  dna_sequence_link: { prefixes: ['seq_'], label: 'a DNA sequence id (seq_...)' },
  aa_sequence_link: { prefixes: ['prtn_'], label: 'an AA sequence id (prtn_...)' },
  custom_entity_link: { prefixes: ['bfi_'], label: 'a custom entity id (bfi_...)' },
  entity_link: { prefixes: ['seq_', 'prtn_', 'bfi_'], label: 'an entity id (seq_..., prtn_... or bfi_...)' },
  entry_link: { prefixes: ['etr_'], label: 'an entry id (etr_...)' },
  mixture_link: { prefixes: ['bfi_', 'mxt_'], label: 'a mixture id' },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

export interface FieldCheck {
  /** Benchling's request shape: `{"<field name>": {"value": ...}}` */
  fields: Record<string, { value: FieldInput }>;
  problems: string[];
}

/**
 * Checks a create's field values against the target schema before anything is written: unknown names,
 * required fields left out, and each value's type (numbers and their bounds, booleans, dates, link ids by
 * prefix, multi-value fields as lists). Every problem is listed, so one correction fixes them all.
 */
/** `partial`: an update, where fields not given keep their values (only those given are checked). */
export function checkFields(schema: ApiSchema, input: Record<string, FieldInput> | undefined, options: { partial?: boolean } = {}): FieldCheck {
  const definitions = (schema.fieldDefinitions ?? []).filter((d) => d && typeof d.name === 'string');
  const live = definitions.filter((d) => !d.archiveRecord);
  const byName = new Map(live.map((d) => [d.name, d]));
  const problems: string[] = [];
  const fields: Record<string, { value: FieldInput }> = {};
  const given = input ?? {};
  const schemaLabel = `schema "${schema.name ?? schema.id}" (${schema.id})`;

  for (const name of Object.keys(given)) {
    if (byName.has(name)) continue;
    const archived = definitions.some((d) => d.name === name);
    const caseMatch = live.find((d) => d.name.toLowerCase() === name.toLowerCase());
    problems.push(
      archived
        ? `"${name}": this field of ${schemaLabel} is archived and cannot be set`
        : `"${name}": ${schemaLabel} has no such field${caseMatch ? ` (did you mean "${caseMatch.name}"?)` : ''}`,
    );
  }
  for (const def of live) {
    if (options.partial && !Object.hasOwn(given, def.name)) continue;
    const raw = Object.hasOwn(given, def.name) ? given[def.name] : undefined;
    const empty = raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0) || (typeof raw === 'string' && raw.trim() === '');
    if (empty) {
      if (def.isRequired) problems.push(`"${def.name}" is required (${describeType(def)})`);
      // An update that names a field with no value clears it.
      else if (options.partial) fields[def.name] = { value: null };
      continue;
    }
    const checked = checkValue(def, raw as Exclude<FieldInput, null>);
    if (typeof checked === 'string') problems.push(`"${def.name}" ${checked}`);
    else fields[def.name] = { value: checked.value };
  }
  if (problems.length && live.length) {
    problems.push(`${schemaLabel} fields: ${live.map((d) => `"${d.name}" (${describeType(d)}${d.isRequired ? ', required' : ''})`).join(', ')}`);
  }
  return { fields, problems };
}

export function describeType(def: ApiFieldDefinition): string {
  const link = LINK_PREFIXES[def.type];
  const base = link ? link.label : def.type;
  return def.isMulti ? `list of ${base}` : base;
}

function checkValue(def: ApiFieldDefinition, raw: Exclude<FieldInput, null>): { value: FieldInput } | string {
  if (def.isMulti) {
    const list = Array.isArray(raw) ? raw : [raw];
    const out: string[] = [];
    for (const item of list) {
      const one = checkOne(def, item);
      if (typeof one === 'string') return one;
      // Benchling's multi-value fields are lists of ids or strings.
      out.push(String(one.value));
    }
    return { value: out };
  }
  if (Array.isArray(raw)) return `takes one value, not a list (${describeType(def)})`;
  return checkOne(def, raw);
}

function checkOne(def: ApiFieldDefinition, raw: string | number | boolean): { value: string | number | boolean } | string {
  const expects = (what: string) => `expects ${what}; got ${JSON.stringify(raw)}`;
  const link = LINK_PREFIXES[def.type];
  if (link) {
    if (typeof raw !== 'string' || !link.prefixes.some((p) => raw.startsWith(p))) return expects(link.label);
    return { value: raw };
  }
  switch (def.type) {
    case 'integer':
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) return expects(def.type === 'integer' ? 'a whole number' : 'a number');
      if (def.type === 'integer' && !Number.isInteger(n)) return expects('a whole number');
      if (typeof def.numericMin === 'number' && n < def.numericMin) return expects(`a number of at least ${def.numericMin}`);
      if (typeof def.numericMax === 'number' && n > def.numericMax) return expects(`a number of at most ${def.numericMax}`);
      return { value: n };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === 'false') return { value: raw === 'true' };
      return expects('true or false');
    case 'date':
      if (typeof raw !== 'string' || !DATE.test(raw) || Number.isNaN(Date.parse(raw))) return expects('a date, YYYY-MM-DD');
      return { value: raw };
    case 'datetime':
      if (typeof raw !== 'string' || !DATE_TIME.test(raw) || Number.isNaN(Date.parse(raw.replace(' ', 'T'))))
        return expects('a date-time, e.g. 2024-05-01T14:30:00Z');
      return { value: raw };
    case 'json':
      if (typeof raw !== 'string') return expects('JSON text (a string)');
      try {
        JSON.parse(raw);
      } catch {
        return expects('valid JSON text');
      }
      return { value: raw };
    case 'text':
    case 'long_text':
    case 'dropdown':
      if (typeof raw !== 'string') return expects(def.type === 'dropdown' ? 'a dropdown option id (a string)' : 'text (a string)');
      return { value: raw };
    default:
      // Types this server does not know in detail (blob links, storage links, ...) take ids or text.
      if (typeof raw !== 'string') return expects(`a string (${def.type})`);
      return { value: raw };
  }
}
