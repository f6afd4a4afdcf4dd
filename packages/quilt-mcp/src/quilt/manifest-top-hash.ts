/** A stored manifest's top hash in one pass, without building records. */
import type { ByteSource } from './byte-source.js';
import { parseJson } from './json-parse.js';
import { isJsonObject, type JsonValue } from './json-value.js';
import { addToHash, checkKey, hashOrderError, manifestLines, needsExactParser, parseLine, toHeader, toRecord } from './manifest-line.js';
import { ManifestError, type ManifestHeader } from './manifest-types.js';
import { dumpsForHash, encodeStringAscii } from './python-json.js';
import { TopHasher } from './top-hash.js';

export interface ManifestHashSummary {
  topHash: string;
  header: ManifestHeader;
  entries: number;
  /** Sum of the entries' sizes. */
  totalSize: number;
}

/**
 * quilt3 writes every entry line as `{"logical_key": "…", "physical_keys": ["…"], "size": N, "hash":
 * {"type": "…", "value": "…"}, "meta": …}`. When the strings have no escapes (so their text is their
 * value), a regular expression reads everything the top hash needs from such a line, and only the meta
 * is parsed; physical keys aren't hashed and are never parsed. JSON.parse would give exactly the same
 * values, so this is a shortcut, not an approximation: any other line, or a meta that doesn't parse as
 * an object, takes the general path.
 */
const QUILT3_ENTRY_LINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a JSON string without escapes has no control characters
  /^\{"logical_key": "([^"\\\x00-\x1f]*)", "physical_keys": \["[^"\\\x00-\x1f]*"(?:, "[^"\\\x00-\x1f]*")*\], "size": (0|[1-9][0-9]{0,14}), "hash": \{"type": "([^"\\\x00-\x1f]*)", "value": "([^"\\\x00-\x1f]*)"\}, "meta": (.*)\}\r?$/s;

/**
 * A stored manifest's top hash in one streaming pass, without building records (the fast way to verify
 * a revision). Same result, and the same errors for bad lines, as readManifest + TopHasher.
 */
export async function computeManifestTopHash(source: ByteSource, options: { maxLineBytes?: number; signal?: AbortSignal } = {}): Promise<ManifestHashSummary> {
  let hasher: TopHasher | undefined;
  let header: ManifestHeader | undefined;
  let totalSize = 0;
  for await (const { firstLine, lines } of manifestLines(source, options)) {
    for (let k = 0; k < lines.length; k++) {
      const text = lines[k] as string;
      const line = firstLine + k;
      if (hasher === undefined) {
        header = toHeader(parseLine(text, line), line);
        hasher = new TopHasher(header);
        continue;
      }
      const m = QUILT3_ENTRY_LINE.exec(text);
      const metaJson = m === null ? undefined : hashJsonOfMeta(m[5] as string);
      if (m !== null && metaJson !== undefined) {
        const [, key, size, type, value] = m as unknown as [string, string, string, string, string];
        checkKey(key, line);
        try {
          hasher.addEncoded(key, Number(size), `{"type":${encodeStringAscii(type)},"value":${encodeStringAscii(value)}}`, metaJson);
        } catch (err) {
          throw hashOrderError(err, line);
        }
        totalSize += Number(size);
        continue;
      }
      const record = toRecord(parseLine(text, line), line);
      if (record.kind !== 'entry') continue;
      addToHash(hasher, record.entry, line);
      totalSize += record.entry.size;
    }
  }
  if (hasher === undefined || header === undefined) throw new ManifestError('The manifest is empty (no header line)');
  return { topHash: hasher.digest(), header, entries: hasher.entries, totalSize };
}

/** Hash-mode JSON of an entry's meta text, or undefined to send the line down the general path. */
function hashJsonOfMeta(text: string): string | undefined {
  if (text === '{}') return '{}';
  let value: JsonValue;
  try {
    value = needsExactParser(text) ? parseJson(text) : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
  if (value === null) return '{}'; // quilt3: `meta or {}`
  return isJsonObject(value) ? dumpsForHash(value) : undefined;
}
