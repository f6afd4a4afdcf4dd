/**
 * Query strings are parsed by Node's own WHATWG `URLSearchParams` (server.ts hands `url.searchParams` to
 * Query); what is here is Benchling's parameter rules on top: which names an operation takes, no repeats,
 * comma lists, time filters. qs@6.17.1 was tried and does not fit Benchling's flat names: it nests bracket
 * keys (`schemaField[x]=1` becomes an object, `ids[21]=x` an object keyed "21"), silently drops parameters
 * past its `parameterLimit` (1,000 of 1,001 kept), where a strict server must refuse, and adds a dependency.
 */
import { badRequest } from './errors.js';

/**
 * Which query parameters an operation takes. `allowed` are the spec's parameters the sandbox implements;
 * `unsupported` are the spec's parameters it does not (they answer 400 naming the parameter, rather than being
 * ignored and returning an unfiltered list). Anything else is not a Benchling parameter and also answers 400,
 * so a client that invents a filter (say `folderId` on `GET /entries`) finds out here, not in production.
 */
export interface QuerySpec {
  allowed: readonly string[];
  unsupported?: readonly string[];
  /** parameter families such as `schemaField.<name>` */
  prefixes?: readonly string[];
  /** extra advice for parameters clients commonly assume exist here */
  hints?: Readonly<Record<string, string>>;
}

const MAX_LIST_ITEMS = 100;

export class Query {
  private readonly values = new Map<string, string>();

  constructor(params: URLSearchParams, spec: QuerySpec) {
    for (const [name, value] of params) {
      if (spec.unsupported?.includes(name)) {
        throw badRequest(`The query parameter "${name}" is part of the Benchling API but not implemented by this sandbox.`);
      }
      if (!spec.allowed.includes(name) && !spec.prefixes?.some((p) => name.startsWith(p))) {
        const hint = spec.hints?.[name];
        throw badRequest(`Unknown query parameter "${name}".${hint ? ` ${hint}` : ''} Valid parameters: ${spec.allowed.join(', ')}.`);
      }
      if (this.values.has(name)) throw badRequest(`The query parameter "${name}" was given more than once; use one comma-separated value.`);
      this.values.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Names present with a given prefix, e.g. `schemaField.` parameters. */
  withPrefix(prefix: string): [string, string][] {
    return [...this.values].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]);
  }

  /** Comma-separated lists (`ids`, `names.anyOf`, ...), at most 100 items as Benchling documents. */
  list(name: string): string[] | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) throw badRequest(`The query parameter "${name}" must list at least one value.`);
    if (items.length > MAX_LIST_ITEMS) throw badRequest(`The query parameter "${name}" lists ${items.length} values; the maximum is ${MAX_LIST_ITEMS}.`);
    return items;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const raw = this.values.get(name);
    if (raw === undefined) return undefined;
    if (!(values as readonly string[]).includes(raw)) throw badRequest(`Invalid ${name} "${raw}". Valid values: ${values.join(', ')}.`);
    return raw as T;
  }

  /** `modifiedAt` / `createdAt` filters, see parseTimeFilter. */
  time(name: string): ((iso: string) => boolean) | undefined {
    const raw = this.values.get(name);
    return raw === undefined ? undefined : parseTimeFilter(name, raw);
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/;

/**
 * Benchling's time filters: an RFC 3339 date or date-time, optionally preceded by `>` or `<`, and two such
 * bounds joined by `AND` ("> 2017-04-30 AND < 2017-05-31"). Time zone defaults to UTC. A bare date matches that
 * whole UTC day; a bare date-time matches that instant.
 */
export function parseTimeFilter(name: string, raw: string): (iso: string) => boolean {
  const invalid = () =>
    badRequest(`Invalid ${name} "${raw}": use an RFC 3339 date or date-time, optionally with > or <, e.g. "> 2024-04-30" or "> 2024-04-01 AND < 2024-05-01".`);
  const parts = raw.trim().split(/\s+AND\s+/i);
  if (parts.length > 2) throw invalid();
  const tests: ((t: number) => boolean)[] = [];
  for (const part of parts) {
    const m = /^([<>])?\s*(.+)$/.exec(part.trim());
    if (!m) throw invalid();
    const [, op, value] = m as unknown as [string, '<' | '>' | undefined, string];
    const isDate = DATE_ONLY.test(value);
    if (!isDate && !DATE_TIME.test(value)) throw invalid();
    const normalised = isDate ? `${value}T00:00:00Z` : /([Zz]|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
    const t = Date.parse(normalised.replace(' ', 'T'));
    if (Number.isNaN(t)) throw invalid();
    if (op === '>') tests.push((x) => x > t);
    else if (op === '<') tests.push((x) => x < t);
    else if (parts.length > 1) throw invalid();
    else if (isDate) tests.push((x) => x >= t && x < t + 86_400_000);
    else tests.push((x) => x === t);
  }
  return (iso) => {
    const x = Date.parse(iso);
    return tests.every((test) => test(x));
  };
}

export const ARCHIVE_REASONS = ['Made in error', 'Retired', 'Expended', 'Shipped', 'Contaminated', 'Expired', 'Missing', 'Other'] as const;

/**
 * `archiveReason`: unarchived only by default; `ANY_ARCHIVED`, `ANY_ARCHIVED_OR_NOT_ARCHIVED`, or one reason.
 */
export function archiveFilter(query: Query): (item: { archiveReason: string | null }) => boolean {
  const raw = query.get('archiveReason') ?? 'NOT_ARCHIVED';
  switch (raw) {
    case 'NOT_ARCHIVED':
      return (item) => item.archiveReason === null;
    case 'ANY_ARCHIVED':
      return (item) => item.archiveReason !== null;
    case 'ANY_ARCHIVED_OR_NOT_ARCHIVED':
      return () => true;
    default:
      if (!(ARCHIVE_REASONS as readonly string[]).includes(raw)) {
        throw badRequest(
          `Invalid archiveReason "${raw}". Use NOT_ARCHIVED, ANY_ARCHIVED, ANY_ARCHIVED_OR_NOT_ARCHIVED or one of: ${ARCHIVE_REASONS.join(', ')}.`,
        );
      }
      return (item) => item.archiveReason === raw;
  }
}
