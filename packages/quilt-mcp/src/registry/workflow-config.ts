/**
 * quilt3 workflows: a registry's `.quilt/workflows/config.yml` says which workflows a package may be pushed with,
 * whether one is required, and what each checks (commit message, package name pattern, a JSON Schema for the
 * package metadata and one for the entries). The rules follow quilt3's `quilt3.workflows` (config version up to
 * 1.1.0):
 * - no config: no workflow is used (naming one, even "none", is refused: "no workflows config");
 * - workflow not given: the config's `default_workflow`; none then (or `null` given) is refused when
 *   `is_workflow_required` (default true), else the package is pushed with `{id: null, config}`;
 * - checks, in quilt3's order: message (`is_message_required`), name (`handle_pattern`, searched, not anchored),
 *   metadata (`metadata_schema`), entries (`entries_schema`, against `[{logical_key, size, meta}]` in walk order);
 * - schemas: JSON Schema draft-07 (the only `$schema` accepted), no `$ref`, formats not checked, read from the
 *   `url` of their id in `schemas` (s3:// or file://, with the same confinement as package files: a local schema
 *   only for a local registry, inside its root);
 * - the manifest header gets `workflow: {id, config[, schemas]}` with the URLs as quilt3 stores them (on a versioned
 *   bucket with the `?versionId=` read).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { z } from 'zod';
import { isJsonObject, type JsonObject, type JsonValue, orderedObject, PyFloat, StorageError } from '../quilt/index.js';
import { RegistryRequestError } from './errors.js';
import type { OpenedRegistry } from './opened-registry.js';
import { formatFilePhysicalKey, formatS3PhysicalKey, parsePhysicalKey } from './physical-keys.js';

export const WORKFLOW_CONFIG_KEY = '.quilt/workflows/config.yml';
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_SCHEMA_BYTES = 1024 * 1024;
/** Entries an entries_schema is checked against at most (the array is built in memory, as quilt3 builds it). */
export const MAX_WORKFLOW_ENTRIES = 100_000;
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const SUPPORTED_VERSION: [number, number, number] = [1, 1, 0];

export class WorkflowError extends RegistryRequestError {}

// The YAML parser and the JSON Schema compiler are loaded when a registry's workflows config is first read: a server
// whose registries have none never needs them, and loaded at start they held ~3 MiB of V8 heap (issue #16).
const loadYaml = () => import('yaml');
const loadAjv = () => import('ajv');

const version = z.string().regex(/^[1-9][0-9]*(\.(0|[1-9][0-9]*)){0,2}$/, 'must be a version like "1" or "1.1"');
const workflowSpec = z
  .object({
    catalog: z.unknown().optional(),
    name: z.string().min(1),
    description: z.string().min(1).optional(),
    handle_pattern: z.string().optional(),
    metadata_schema: z.string().optional(),
    entries_schema: z.string().optional(),
    is_message_required: z.boolean().optional(),
  })
  .strict();
const configSpec = z
  .object({
    catalog: z.unknown().optional(),
    version: z.union([version, z.object({ base: version, catalog: version.optional() }).strict()]),
    is_workflow_required: z.boolean().optional(),
    default_workflow: z.string().optional(),
    workflows: z
      .record(
        z
          .string()
          .max(64)
          .regex(/^[A-Za-z_-][A-Za-z0-9_-]*$/, 'workflow ids are letters, digits, "_" and "-"'),
        workflowSpec,
      )
      .refine((w) => Object.keys(w).length > 0, 'must name at least one workflow'),
    schemas: z
      .record(z.string(), z.object({ url: z.string() }).passthrough())
      .refine((s) => Object.keys(s).length > 0, 'must name at least one schema')
      .optional(),
    successors: z.record(z.string(), z.object({ title: z.string().min(1), copy_data: z.boolean().optional() }).passthrough()).optional(),
  })
  .strict();

export type WorkflowSpec = z.infer<typeof workflowSpec>;
export type WorkflowConfigData = z.infer<typeof configSpec>;

/** A loaded config: its data and the physical key quilt3 records for it. */
export interface WorkflowConfig {
  data: WorkflowConfigData;
  url: string;
}

/** What a push must pass, and the `workflow` header value it then gets. */
export interface WorkflowCheck {
  id: string | null;
  spec: WorkflowSpec | undefined;
  /** The manifest header's `workflow` value. */
  header: JsonObject;
  check(input: { name: string; message: string | null | undefined; userMeta: JsonValue | undefined }): void;
  /** Checks the entries (walk order) against entries_schema; a no-op without one. */
  checkEntries(entries: { logical_key: string; size: number; meta: JsonObject }[]): void;
  hasEntriesSchema: boolean;
}

/** The registry's workflows config, or undefined when it has none. */
export async function loadWorkflowConfig(opened: OpenedRegistry, signal?: AbortSignal): Promise<WorkflowConfig | undefined> {
  let text: string;
  let versionId: string | undefined;
  try {
    const got = await opened.storage.get(WORKFLOW_CONFIG_KEY, signal ? { signal } : {});
    versionId = got.versionId;
    text = (await readBounded(got.body, MAX_CONFIG_BYTES, `${opened.ref.url}/${WORKFLOW_CONFIG_KEY}`)).toString('utf8');
  } catch (err) {
    if (err instanceof StorageError && err.code === 'NotFound') return undefined;
    throw err;
  }
  const url = opened.physicalKey(WORKFLOW_CONFIG_KEY, versionId);
  const yaml = await loadYaml();
  let raw: unknown;
  try {
    // PyYAML's safe_load reads YAML 1.1 (`False`, `yes`, `on` are booleans) and lets a repeated key win.
    raw = yaml.parse(text, { version: '1.1', uniqueKeys: false });
  } catch (err) {
    throw new WorkflowError(`The workflows config ${url} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'workflow_config_error');
  }
  const parsed = configSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new WorkflowError(`The workflows config ${url} is not valid: ${where}: ${issue?.message}`, 'workflow_config_error');
  }
  const v = typeof parsed.data.version === 'string' ? parsed.data.version : parsed.data.version.base;
  const parts = [...v.split('.').map(Number), 0, 0].slice(0, 3) as [number, number, number];
  if (compareVersions(parts, SUPPORTED_VERSION) > 0) {
    throw new WorkflowError(`The workflows config ${url} has version ${parts.join('.')}, which is not supported (up to 1.1.0).`, 'workflow_config_error');
  }
  return { data: parsed.data, url };
}

function compareVersions(a: [number, number, number], b: [number, number, number]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/**
 * The checks a push to this registry must pass: `workflow` undefined means "not given" (the default workflow),
 * null means "no workflow". Loads the workflow's schemas.
 */
export async function workflowCheck(
  opened: OpenedRegistry,
  config: WorkflowConfig | undefined,
  workflow: string | null | undefined,
  signal?: AbortSignal,
): Promise<WorkflowCheck | undefined> {
  if (config === undefined) {
    if (workflow === undefined) return undefined;
    throw new WorkflowError(
      `Refused: workflow ${JSON.stringify(workflow)} was given, but ${opened.ref.url} has no workflows config (${WORKFLOW_CONFIG_KEY}); leave workflow out.`,
      'workflow_refused',
    );
  }
  const chosen = workflow === undefined ? (config.data.default_workflow ?? null) : workflow;
  let spec: WorkflowSpec | undefined;
  if (chosen === null) {
    if (config.data.is_workflow_required ?? true) {
      throw new WorkflowError(
        `Refused by ${config.url}: is_workflow_required: a workflow is required, but none was given` +
          ` (no default_workflow); pass workflow (workflows_list shows them: ${Object.keys(config.data.workflows).join(', ')}).`,
        'workflow_refused',
      );
    }
  } else {
    spec = Object.hasOwn(config.data.workflows, chosen) ? config.data.workflows[chosen] : undefined;
    if (spec === undefined) {
      throw new WorkflowError(
        `Refused: there is no ${JSON.stringify(chosen)} workflow in ${config.url} (workflows: ${Object.keys(config.data.workflows).join(', ')}).`,
        'workflow_refused',
      );
    }
  }
  let pattern: RegExp | undefined;
  if (spec?.handle_pattern) {
    try {
      // As the Quilt catalog compiles it (a JavaScript RegExp without flags), so `[\w-]` and the like work.
      pattern = new RegExp(spec.handle_pattern);
    } catch {
      throw new WorkflowError(
        `The workflows config ${config.url}: workflows.${chosen}.handle_pattern is not a valid regular expression.`,
        'workflow_config_error',
      );
    }
  }
  const loaded = new Map<string, { validate: ValidateFunction; url: string }>();
  const load = async (id: string, field: 'metadata_schema' | 'entries_schema') => {
    const known = loaded.get(id);
    if (known) return known.validate;
    const schema = await loadSchema(opened, config, id, `workflows.${chosen}.${field}`, signal);
    loaded.set(id, schema);
    return schema.validate;
  };
  const metadataValidate = spec?.metadata_schema ? await load(spec.metadata_schema, 'metadata_schema') : undefined;
  const entriesValidate = spec?.entries_schema ? await load(spec.entries_schema, 'entries_schema') : undefined;

  const headerFields: [string, JsonValue][] = [
    ['id', chosen],
    ['config', config.url],
  ];
  if (loaded.size > 0) headerFields.push(['schemas', orderedObject([...loaded].map(([id, s]) => [id, s.url] as [string, JsonValue]))]);
  const header = orderedObject(headerFields);
  const named = `workflow ${JSON.stringify(chosen)} of ${config.url}`;

  return {
    id: chosen,
    spec,
    header,
    hasEntriesSchema: entriesValidate !== undefined,
    check({ name, message, userMeta }) {
      if (spec?.is_message_required && !message) {
        throw new WorkflowError(`Refused by ${named}: is_message_required: a commit message is required (message).`, 'workflow_refused');
      }
      if (pattern && !pattern.test(name)) {
        throw new WorkflowError(
          `Refused by ${named}: handle_pattern ${JSON.stringify(spec?.handle_pattern)} does not match the package name ${JSON.stringify(name)} (package).`,
          'workflow_refused',
        );
      }
      if (metadataValidate && !metadataValidate(toSchemaInput(userMeta ?? {}))) {
        throw new WorkflowError(
          `Refused by ${named}: metadata_schema ${JSON.stringify(spec?.metadata_schema)}: package metadata (meta) ${describeErrors(metadataValidate.errors)}.`,
          'workflow_refused',
        );
      }
    },
    checkEntries(entries) {
      if (!entriesValidate) return;
      const input = entries.map((e) => ({ logical_key: e.logical_key, size: e.size, meta: toSchemaInput(e.meta.user_meta ?? {}) }));
      if (!entriesValidate(input)) {
        throw new WorkflowError(
          `Refused by ${named}: entries_schema ${JSON.stringify(spec?.entries_schema)}: the package entries ([{logical_key, size, meta}]) ${describeErrors(entriesValidate.errors)}.`,
          'workflow_refused',
        );
      }
    },
  };
}

/** A schema of the config by id: read from its URL (confined as package files are), parsed, checked against draft-07. */
async function loadSchema(
  opened: OpenedRegistry,
  config: WorkflowConfig,
  id: string,
  field: string,
  signal?: AbortSignal,
): Promise<{ validate: ValidateFunction; url: string }> {
  const entry = config.data.schemas && Object.hasOwn(config.data.schemas, id) ? config.data.schemas[id] : undefined;
  if (entry === undefined)
    throw new WorkflowError(`The workflows config ${config.url}: ${field} names ${JSON.stringify(id)}, which is not in schemas.`, 'workflow_config_error');
  const url = entry.url;
  if (url.startsWith('file:') && opened.kind !== 'local') {
    throw new WorkflowError(`The workflows config ${config.url}: local schema ${url} can't be used on the remote registry.`, 'workflow_config_error');
  }
  if (!url.startsWith('s3:') && !url.startsWith('file:')) {
    throw new WorkflowError(
      `The workflows config ${config.url}: schemas.${id}.url ${JSON.stringify(url)} is not an s3:// or file:// URL.`,
      'workflow_config_error',
    );
  }
  let text: string;
  let stored: string;
  try {
    const object = await opened.physical(url);
    const got = await object.get(signal ? { signal } : {});
    text = (await readBounded(got.body, MAX_SCHEMA_BYTES, url)).toString('utf8');
    // quilt3 records str() of the key it read: re-quoted, with the version read on a versioned bucket.
    const parsed = parsePhysicalKey(url);
    stored = parsed.kind === 's3' ? formatS3PhysicalKey(parsed.bucket, parsed.key, got.versionId ?? parsed.versionId) : formatFilePhysicalKey(parsed.path);
  } catch (err) {
    if (err instanceof StorageError && err.code === 'NotFound') {
      throw new WorkflowError(
        `The workflows config ${config.url}: couldn't load schema ${JSON.stringify(id)} at ${url} (no such object).`,
        'workflow_config_error',
      );
    }
    throw err;
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch {
    throw new WorkflowError(`The workflows config ${config.url}: couldn't parse schema ${JSON.stringify(id)} at ${url} as JSON.`, 'workflow_config_error');
  }
  if (containsRef(schema))
    throw new WorkflowError(`Schema ${JSON.stringify(id)} at ${url} uses $ref, which quilt3 does not support in workflow schemas.`, 'workflow_config_error');
  if (isJsonObject(schema as JsonValue) && Object.hasOwn(schema as object, '$schema') && (schema as { $schema: unknown }).$schema !== DRAFT_07) {
    throw new WorkflowError(
      `Schema ${JSON.stringify(id)} at ${url}: unsupported meta-schema ${JSON.stringify((schema as { $schema: unknown }).$schema)} (only ${DRAFT_07}).`,
      'workflow_config_error',
    );
  }
  // Like python-jsonschema's Draft7Validator without a format checker: unknown keywords and formats are ignored.
  const { Ajv } = await loadAjv();
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: false, validateSchema: true });
  try {
    return { validate: ajv.compile(schema as object), url: stored };
  } catch (err) {
    throw new WorkflowError(`Schema ${JSON.stringify(id)} at ${url} is not a valid JSON Schema: ${(err as Error).message}`, 'workflow_config_error');
  }
}

function containsRef(value: unknown, depth = 0): boolean {
  if (depth > 200 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsRef(v, depth + 1));
  if (Object.hasOwn(value, '$ref')) return true;
  return Object.values(value).some((v) => containsRef(v, depth + 1));
}

/** A metadata value as plain JS for the validator: Python floats as numbers, big ints as (approximate) numbers. */
function toSchemaInput(value: JsonValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) return value.map(toSchemaInput);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: toSchemaInput(value[key] as JsonValue), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'failed validation';
  const at = first.instancePath === '' ? '' : ` at ${first.instancePath}`;
  return `failed validation${at}: ${first.message ?? first.keyword}${first.params && Object.keys(first.params).length ? ` ${JSON.stringify(first.params)}` : ''}`;
}

async function readBounded(body: NodeJS.ReadableStream & { destroy?: () => void }, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw new WorkflowError(`${what} is larger than ${max} bytes.`, 'workflow_config_error');
      chunks.push(chunk);
    }
  } finally {
    body.destroy?.();
  }
  return Buffer.concat(chunks);
}
