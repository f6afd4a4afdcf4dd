/**
 * Ranking packages against a query without a search index: the query's terms are matched (case-insensitive
 * substrings) against the package name, the commit message, the package metadata, the logical keys and the
 * entries' metadata, each field with its own weight; a package matching more of the terms ranks higher.
 */
import { isJsonObject, type JsonValue, type ManifestEntry, type ManifestHeader, toPlainJson } from '../quilt/index.js';

export type MatchField = 'name' | 'message' | 'package_meta' | 'logical_key' | 'entry_meta';

export interface Match {
  field: MatchField;
  term: string;
  text: string;
}

export interface EntryHit {
  logical_key: string;
  size: number;
  terms: string[];
  field: 'logical_key' | 'entry_meta';
}

const WEIGHTS = { nameSegment: 10, name: 6, message: 4, packageMeta: 3, logicalKey: 3, entryMeta: 1.5 };
const MAX_TERMS = 10;
const MAX_MATCHES = 10;
const MAX_ENTRY_HITS = 5;
const SNIPPET = 160;

/** Lowercased, deduplicated terms of a query ("cells csv", "\"demo\" data,json"). */
export function queryTerms(query: string): string[] {
  const terms = query
    .toLowerCase()
    .split(/[\s,;]+/)
    .map((t) => t.replace(/^["'`]+|["'`]+$/g, '').slice(0, 100))
    .filter((t) => t.length > 0 && t !== '*');
  return [...new Set(terms)].slice(0, MAX_TERMS);
}

/** "key.sub: value" lines of a metadata value, lowercased for matching, bounded. */
export function flattenMeta(value: JsonValue | undefined, maxChars = 16_384): string[] {
  const out: string[] = [];
  let chars = 0;
  const walk = (v: unknown, path: string) => {
    if (chars > maxChars) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, path === '' ? String(i) : path);
      });
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : `${path}.${k}`);
      return;
    }
    const line = `${path}: ${String(v)}`;
    chars += line.length;
    out.push(line);
  };
  if (value !== undefined) walk(toPlainJson(value), '');
  return out;
}

function snippet(text: string, term: string): string {
  const at = text.toLowerCase().indexOf(term);
  if (text.length <= SNIPPET || at < 0) return text.slice(0, SNIPPET);
  const start = Math.max(0, at - 60);
  return `${start > 0 ? '…' : ''}${text.slice(start, start + SNIPPET)}…`;
}

export class PackageScorer {
  private raw = 0;
  private readonly matched = new Set<string>();
  readonly matches: Match[] = [];
  readonly entries: EntryHit[] = [];
  private readonly keyHits = new Map<string, number>();
  private readonly entryMetaHit = new Set<string>();
  entriesScanned = 0;

  constructor(private readonly terms: string[]) {}

  private note(field: MatchField, term: string, text: string) {
    this.matched.add(term);
    if (this.matches.length < MAX_MATCHES && !this.matches.some((m) => m.field === field && m.term === term))
      this.matches.push({ field, term, text: snippet(text, term) });
  }

  name(name: string): void {
    const lower = name.toLowerCase();
    const segments = lower.split(/[/_-]/);
    for (const term of this.terms) {
      if (segments.includes(term) || lower === term) {
        this.raw += WEIGHTS.nameSegment;
        this.note('name', term, name);
      } else if (lower.includes(term)) {
        this.raw += WEIGHTS.name;
        this.note('name', term, name);
      }
    }
  }

  header(header: ManifestHeader): void {
    const message = typeof header.message === 'string' ? header.message : '';
    const lowerMessage = message.toLowerCase();
    const meta = flattenMeta(header.user_meta);
    for (const term of this.terms) {
      if (message && lowerMessage.includes(term)) {
        this.raw += WEIGHTS.message;
        this.note('message', term, message);
      }
      const line = meta.find((l) => l.toLowerCase().includes(term));
      if (line !== undefined) {
        this.raw += WEIGHTS.packageMeta;
        this.note('package_meta', term, line);
      }
    }
  }

  entry(entry: ManifestEntry): void {
    this.entriesScanned++;
    const key = entry.logical_key.toLowerCase();
    const hitTerms: string[] = [];
    for (const term of this.terms) {
      if (key.includes(term)) {
        const n = (this.keyHits.get(term) ?? 0) + 1;
        this.keyHits.set(term, n);
        this.raw += n === 1 ? WEIGHTS.logicalKey : n <= 20 ? 0.1 : 0;
        this.note('logical_key', term, entry.logical_key);
        hitTerms.push(term);
      }
    }
    let field: EntryHit['field'] = 'logical_key';
    const user = isJsonObject(entry.meta) ? entry.meta.user_meta : undefined;
    if (user !== undefined && user !== null) {
      const lines = flattenMeta(user, 2048);
      for (const term of this.terms) {
        const line = lines.find((l) => l.toLowerCase().includes(term));
        if (line === undefined) continue;
        if (!this.entryMetaHit.has(term)) {
          this.entryMetaHit.add(term);
          this.raw += WEIGHTS.entryMeta;
        }
        this.note('entry_meta', term, `${entry.logical_key} — ${line}`);
        if (!hitTerms.includes(term)) {
          hitTerms.push(term);
          field = hitTerms.length === 1 ? 'entry_meta' : field;
        }
      }
    }
    if (hitTerms.length > 0 && this.entries.length < MAX_ENTRY_HITS)
      this.entries.push({ logical_key: entry.logical_key, size: entry.size, terms: hitTerms, field });
  }

  /** The score: the raw weight, scaled by the share of the query's terms the package matched. */
  get score(): number {
    if (this.matched.size === 0) return 0;
    const coverage = this.matched.size / this.terms.length;
    return Math.round(this.raw * (0.5 + 0.5 * coverage) * 100) / 100;
  }
}
