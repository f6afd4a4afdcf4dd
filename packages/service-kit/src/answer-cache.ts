import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Answers of the MCP methods whose result depends only on the request (not on the caller's data or on time):
 * `tools/list`, `initialize`, `server/discover`. Every client calls `tools/list` first and often, and building it
 * means a fresh McpServer, every tool and every zod → JSON Schema conversion (~5 ms of CPU for quilt-mcp's 43 KB
 * list). The SDK still produces each distinct answer once, byte for byte; repeats are answered from here with only
 * the JSON-RPC id put in.
 *
 * The key is everything the answer can depend on: the request's text without its id (method, params with any
 * cursor and `_meta`, protocol revision, exactly as sent), the request headers the SDK reads (protocol version,
 * Accept, Content-Type, Host, Origin, Mcp-Method/Mcp-Name, session id), and the caller's scopes (`tools/list`
 * shows only the tools the caller's scopes grant: tools.ts). The caller's identity is not in the key: nothing in
 * these answers names the caller.
 *
 * A repeat is recognised without parsing its body: the key is its text with the id's token cut out, and the place
 * of the cut. The first request of a key is parsed whole and kept only if that place is its top-level `id` (see
 * `verifiedCacheable`); a later text equal to it around the cut, with a plain id token in it, is then the same
 * JSON but for the id (JSON's grammar: one scalar token swapped for another in the same place parses to the same
 * tree with that one value changed). A text written differently (other spacing, key order) is another key: a miss,
 * never a wrong answer.
 */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set(['tools/list', 'initialize', 'server/discover']);

/** Request headers the SDK's transports look at (headers.get in @modelcontextprotocol/server). */
const KEY_HEADERS = [
  'mcp-protocol-version',
  'accept',
  'content-type',
  'host',
  'origin',
  'mcp-method',
  'mcp-name',
  'mcp-session-id',
  'last-event-id',
  'content-encoding',
] as const;

export interface CachedAnswer {
  status: number;
  /** The SDK's headers, in its order (content-length, when it is there, is set per answer). */
  headers: Readonly<Record<string, string>>;
  /** The JSON answer split around its id: prefix + JSON(id) + suffix. */
  prefix: Buffer;
  suffix: Buffer;
}

export interface CacheableRequest {
  key: string;
  id: string | number;
  /** Where the id's token is in the request's text, and where it ends. */
  idStart: number;
  idEnd: number;
}

/**
 * The first `"id":` member and its token: a safe integer literal or a string without escapes (any other id is left
 * to the SDK, uncached). The string's characters are those JSON allows unescaped: none below U+0020, no `"`, no `\`. Which `"id"` this is — the top-level one, or one nested in params — is settled by
 * `verifiedCacheable` before anything is kept under its key.
 */
const ID_MEMBER = /"id"[ \t\n\r]*:[ \t\n\r]*(-?(?:0|[1-9][0-9]{0,15})|"[ !#-[\]-\uffff]*")/;

/** Put in the id's place to see whether it is the top-level id (JSON has no other way to tell). */
const ID_MARK = `labmcp-id-${randomUUID()}`;

/** The scopes as a key part: sorted (their order does not matter), each with its length (so no two sets share one). */
function scopeKeyOf(scopes: readonly string[]): string {
  if (scopes.length === 0) return '0|';
  let key = `${scopes.length}|`;
  for (const scope of scopes.length === 1 ? scopes : [...scopes].sort()) key += `${scope.length}:${scope}`;
  return key;
}

/**
 * The request as a cache candidate, or undefined: a body naming a cacheable method, with an id token found. Cheap:
 * no parsing (most bodies are refused by the substring test). A candidate found in the cache is a repeat of a
 * request checked whole when its answer was kept; one that is not must pass `verifiedCacheable` before its answer
 * may be kept.
 */
export function cacheableRequest(
  text: string,
  headers: Record<string, string | string[] | undefined>,
  scopes: readonly string[],
): CacheableRequest | undefined {
  if (!text.includes('"tools/list"') && !text.includes('"initialize"') && !text.includes('"server/discover"')) return undefined;
  const member = ID_MEMBER.exec(text);
  if (!member) return undefined;
  const token = member[1]!;
  let id: string | number;
  if (token.charCodeAt(0) === 34 /* " */) id = token.slice(1, -1);
  else {
    id = Number(token);
    if (!Number.isSafeInteger(id)) return undefined;
  }
  const idEnd = member.index + member[0].length;
  const idStart = idEnd - token.length;
  // Every part is self-delimiting (a length before each value, `-` for a header not sent), so distinct requests
  // cannot run together into one key.
  let key = `${idStart}|`;
  for (const name of KEY_HEADERS) {
    const value = headers[name];
    if (value === undefined) key += '-';
    else if (typeof value === 'string') key += `${value.length}:${value}`;
    else return undefined;
  }
  key += scopeKeyOf(scopes);
  key += text.slice(0, idStart);
  key += text.slice(idEnd);
  return { key, id, idStart, idEnd };
}

/**
 * Whether the candidate's answer may be kept: the text is a single JSON-RPC request (no batch, no notification) of
 * a cacheable method, and the token `cacheableRequest` cut out is its top-level id (the one JSON.parse — and so
 * the SDK — reads, also when the text names "id" more than once).
 */
export function verifiedCacheable(text: string, candidate: CacheableRequest): boolean {
  let message: unknown;
  let marked: unknown;
  try {
    message = JSON.parse(text);
    marked = JSON.parse(`${text.slice(0, candidate.idStart)}"${ID_MARK}"${text.slice(candidate.idEnd)}`);
  } catch {
    return false;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
  const { id, method } = message as Record<string, unknown>;
  if (typeof method !== 'string' || !CACHEABLE_METHODS.has(method)) return false;
  return id === candidate.id && (marked as Record<string, unknown>).id === ID_MARK;
}

/** How the SDK's 2025-era transport frames an answer on an SSE stream (writeSSEEvent, no event store). */
const SSE_HEAD = 'event: message\ndata: ';
const SSE_TAIL = '\n\n';

/**
 * Turns the SDK's answer into a template, or undefined when it is not one we may replay: a 200 success whose body
 * is exactly the JSON.stringify of a response carrying the request's id — plain JSON, or an SSE stream holding
 * only that one `message` event (what a 2025-era client that accepts SSE gets) — so that putting another id in
 * gives the bytes the SDK would have produced.
 */
export function templateOf(status: number, headers: Record<string, string>, body: Buffer, id: string | number): CachedAnswer | undefined {
  if (status !== 200) return undefined;
  const type = headers['content-type'] ?? '';
  let text = body.toString('utf8');
  let head = '';
  let tail = '';
  if (type.startsWith('text/event-stream')) {
    if (!text.startsWith(SSE_HEAD) || !text.endsWith(SSE_TAIL) || 'content-length' in headers) return undefined;
    text = text.slice(SSE_HEAD.length, -SSE_TAIL.length);
    if (text.includes('\n')) return undefined; // more than one line or event: not the one answer event
    head = SSE_HEAD;
    tail = SSE_TAIL;
  } else if (!type.startsWith('application/json')) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed.id !== id || !('result' in parsed) || 'error' in parsed)
    return undefined;
  if (JSON.stringify(parsed) !== text) return undefined;
  const sentinel = `labmcp-id-${randomUUID()}`;
  parsed.id = sentinel;
  const parts = JSON.stringify(parsed).split(JSON.stringify(sentinel));
  if (parts.length !== 2) return undefined;
  return { status, headers: Object.freeze({ ...headers }), prefix: Buffer.from(head + parts[0]!), suffix: Buffer.from(parts[1]! + tail) };
}

/**
 * The answer for this id: the SDK's headers in the SDK's order with this answer's length, and the body in three
 * pieces written as they are (copying a ~45 KB list into one buffer per request was 15% of a cached answer's CPU).
 */
export function answerFor(answer: CachedAnswer, id: string | number): { headers: Readonly<Record<string, string>>; body: Buffer[] } {
  const idBytes = Buffer.from(typeof id === 'number' ? String(id) : JSON.stringify(id));
  if (answer.headers['content-length'] === undefined) return { headers: answer.headers, body: [answer.prefix, idBytes, answer.suffix] };
  const length = answer.prefix.byteLength + idBytes.byteLength + answer.suffix.byteLength;
  // A copy keeps the SDK's order: content-length is overwritten where it stands.
  return { headers: { ...answer.headers, 'content-length': String(length) }, body: [answer.prefix, idBytes, answer.suffix] };
}

/**
 * Bounded by entries and bytes: a client can vary the key (a `_meta` value, a cursor, an Accept header) to make new
 * entries, and each holds a whole answer (~45 KB for a tool list).
 */
export function createAnswerCache(maxEntries: number, maxBytes: number): LRUCache<string, CachedAnswer> {
  return new LRUCache<string, CachedAnswer>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (a, key) => a.prefix.byteLength + a.suffix.byteLength + key.length * 2 + 512,
  });
}
