/**
 * Validates HTTP answers against Benchling's own OpenAPI description (the trimmed copy in
 * ../fixtures/benchling-openapi-subset.json), never against the sandbox's idea of itself.
 *
 * OpenAPI 3.0 schemas are not quite JSON Schema; they are converted for ajv on load:
 *  - `nullable: true` becomes `anyOf: [{type: null}, <schema>]` (ajv's own `nullable` needs a sibling `type`,
 *    which most of these schemas lack, e.g. `allOf` + `nullable`);
 *  - `additionalProperties: false` next to `allOf` is dropped (JSON Schema would refuse every property);
 *    undeclared properties are reported by `undeclaredProperties` / `checkRequestBody` instead;
 *  - OpenAPI-only keywords (`discriminator`, `example`, `xml`, `externalDocs`, `deprecated`) are dropped. The
 *    discriminated unions still validate through their `oneOf`, whose branches have disjoint `type` enums.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type SchemaNode = Record<string, unknown>;

const SPEC_ID = 'benchling-openapi-subset.json';

export interface SpecOperation {
  method: string;
  template: string;
  operationId: string;
  queryParameters: string[];
  responses: Record<string, SchemaNode | undefined>;
  /** the JSON request body schema, for creates */
  requestBody: SchemaNode | undefined;
}

const DROPPED = new Set(['nullable', 'discriminator', 'example', 'xml', 'externalDocs', 'deprecated']);

function convert(schema: unknown, absoluteRefs: boolean): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as SchemaNode;
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(s)) {
    if (DROPPED.has(key)) continue;
    switch (key) {
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(value as SchemaNode).map(([k, v]) => [k, convert(v, absoluteRefs)]));
        break;
      case 'additionalProperties':
        // `additionalProperties: false` beside `allOf` (DnaSequenceCreate...) means, in JSON Schema, "no
        // properties at all", which is not what the spec means; undeclared properties are found by the walk below.
        if (value === false && (s.allOf || s.anyOf || s.oneOf)) break;
        out[key] = typeof value === 'object' ? convert(value, absoluteRefs) : value;
        break;
      case 'items':
      case 'not':
        out[key] = typeof value === 'object' ? convert(value, absoluteRefs) : value;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = (value as unknown[]).map((v) => convert(v, absoluteRefs));
        break;
      case '$ref':
        out.$ref = absoluteRefs && typeof value === 'string' && value.startsWith('#/') ? `${SPEC_ID}${value}` : value;
        break;
      default:
        out[key] = value;
    }
  }
  return s.nullable === true ? { anyOf: [{ type: 'null' }, out] } : out;
}

export class SpecValidator {
  readonly doc: { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
  readonly operations: SpecOperation[] = [];
  private readonly ajv: Ajv;
  private readonly schemas: Record<string, unknown>;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(file = new URL('../fixtures/benchling-openapi-subset.json', import.meta.url)) {
    this.doc = JSON.parse(readFileSync(file, 'utf8')) as SpecValidator['doc'];
    this.schemas = Object.fromEntries(Object.entries(this.doc.components.schemas).map(([k, v]) => [k, convert(v, false)]));
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => void;
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas: this.schemas } });

    for (const [template, item] of Object.entries(this.doc.paths)) {
      const shared = (item.parameters as SchemaNode[] | undefined) ?? [];
      for (const [method, raw] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const op = raw as {
          operationId: string;
          parameters?: SchemaNode[];
          responses: Record<string, SchemaNode>;
          requestBody?: { content?: Record<string, { schema?: SchemaNode }> };
        };
        const params = [...shared, ...(op.parameters ?? [])].map((p) => this.resolveParameter(p)).filter((p) => p.in === 'query');
        const responses: SpecOperation['responses'] = {};
        for (const [status, response] of Object.entries(op.responses)) {
          const content = response.content as Record<string, { schema?: SchemaNode }> | undefined;
          responses[status] = content?.['application/json']?.schema;
        }
        this.operations.push({
          method: method.toUpperCase(),
          template,
          operationId: op.operationId,
          queryParameters: params.map((p) => p.name as string),
          responses,
          requestBody: op.requestBody?.content?.['application/json']?.schema,
        });
      }
    }
  }

  private resolveParameter(p: SchemaNode): SchemaNode {
    if (typeof p.$ref !== 'string') return p;
    throw new Error(`parameter $ref ${p.$ref} not expected in the subset`);
  }

  /** The spec operation a request went to, by method and concrete path below /api/v2. */
  operationFor(method: string, path: string): SpecOperation | undefined {
    const parts = path.split('/');
    return this.operations.find((op) => {
      if (op.method !== method) return false;
      const t = op.template.split('/');
      return (
        t.length === parts.length &&
        t.every((seg, i) => {
          const part = parts[i]!;
          if (!seg.startsWith('{')) return seg === part;
          const suffix = /\}(:[\w-]+)$/.exec(seg)?.[1];
          return suffix ? part.endsWith(suffix) && part.length > suffix.length : part !== '' && !part.includes(':');
        })
      );
    });
  }

  /** ajv errors of `value` against a named component schema, as readable strings (empty when valid). */
  checkComponent(name: string, value: unknown): string[] {
    return this.check(`${SPEC_ID}#/components/schemas/${name}`, { $ref: `${SPEC_ID}#/components/schemas/${name}` }, value);
  }

  /** ajv errors against an operation's response schema as written in the spec (a $ref or inline). */
  checkResponseSchema(op: SpecOperation, status: string, value: unknown): string[] {
    const schema = op.responses[status];
    if (!schema) throw new Error(`${op.operationId} defines no JSON body for ${status}`);
    return this.check(`${op.operationId}:${status}`, convert(schema, true) as SchemaNode, value);
  }

  /**
   * ajv errors of a request body against the operation's request schema. Tests send bodies that pass this to
   * show the sandbox accepts what the spec allows (or refuses it for a stated reason).
   */
  checkRequestBody(operationId: string, body: unknown): string[] {
    const op = this.operations.find((o) => o.operationId === operationId);
    if (!op?.requestBody) throw new Error(`${operationId} has no JSON request body in the subset`);
    const found: string[] = [];
    this.walk(convert(op.requestBody, false) as SchemaNode, body as Json, '', found, 0);
    return [...this.check(`${operationId}:request`, convert(op.requestBody, true) as SchemaNode, body), ...found.map((p) => `undeclared property ${p}`)];
  }

  private check(key: string, schema: SchemaNode, value: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /**
   * Properties present in `value` that the schema does not declare anywhere (following $ref, allOf/anyOf/oneOf,
   * items and additionalProperties). The spec leaves objects open, so ajv accepts invented properties; this
   * catches a sandbox (or a fixture) drifting from Benchling's shapes.
   */
  undeclaredProperties(schemaName: string, value: unknown): string[] {
    const found: string[] = [];
    this.walk({ $ref: `#/components/schemas/${schemaName}` }, value as Json, '', found, 0);
    return found;
  }

  /** Same, for an operation's response schema. */
  undeclaredInResponse(op: SpecOperation, status: string, value: unknown): string[] {
    const found: string[] = [];
    const schema = op.responses[status];
    if (schema) this.walk(convert(schema, false) as SchemaNode, value as Json, '', found, 0);
    return found;
  }

  private deref(schema: SchemaNode): SchemaNode {
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
      const name = (s.$ref as string).replace(/^.*#\/components\/schemas\//, '');
      s = this.schemas[name] as SchemaNode;
      if (!s) throw new Error(`unknown schema ${name}`);
    }
    return s;
  }

  /**
   * Every schema that applies at this level (composition branches flattened). A oneOf/anyOf branch whose
   * declared `enum` properties (the discriminators: entityType, resourceType, type) rule the value out is
   * skipped, so one variant's properties are not reported as undeclared in another.
   */
  private branches(schema: SchemaNode, depth = 0, value?: Json): SchemaNode[] {
    const s = this.deref(schema);
    if (depth > 20) return [s];
    const out = [s];
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      for (const sub of (s[key] as SchemaNode[] | undefined) ?? []) {
        const flat = this.branches(sub, depth + 1, value);
        if (key !== 'allOf' && this.excludes(flat, value)) continue;
        out.push(...flat);
      }
    }
    return out;
  }

  private excludes(branches: SchemaNode[], value: Json | undefined): boolean {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    for (const b of branches) {
      for (const [k, prop] of Object.entries((b.properties as SchemaNode | undefined) ?? {})) {
        const allowed = (this.deref(prop as SchemaNode).enum as unknown[] | undefined) ?? undefined;
        if (allowed && k in value && !allowed.includes(value[k])) return true;
      }
    }
    return false;
  }

  private walk(schema: SchemaNode, value: Json, at: string, found: string[], depth: number): void {
    if (depth > 40 || value === null || typeof value !== 'object') return;
    const branches = this.branches(schema, 0, value);
    if (Array.isArray(value)) {
      const items = branches.map((b) => b.items as SchemaNode | undefined).filter((x): x is SchemaNode => !!x);
      value.forEach((v, i) => {
        for (const item of items) this.walk(item, v, `${at}/${i}`, found, depth + 1);
      });
      return;
    }
    const declared = new Map<string, SchemaNode[]>();
    const additional: SchemaNode[] = [];
    let open = true;
    for (const b of branches) {
      if (b.properties) {
        open = false;
        for (const [k, v] of Object.entries(b.properties as SchemaNode)) declared.set(k, [...(declared.get(k) ?? []), v as SchemaNode]);
      }
      if (b.additionalProperties && typeof b.additionalProperties === 'object') {
        open = false;
        additional.push(b.additionalProperties as SchemaNode);
      }
    }
    if (open) return; // a free-form object in the spec (e.g. `type: object` with nothing else)
    for (const [k, v] of Object.entries(value)) {
      const subs = declared.get(k) ?? additional;
      if (subs.length === 0) {
        found.push(`${at}/${k}`);
        continue;
      }
      for (const sub of subs) this.walk(sub, v, `${at}/${k}`, found, depth + 1);
    }
  }
}
