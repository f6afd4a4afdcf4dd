import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * Answers of the MCP methods whose result depends only on the request (not on the caller's data or on time):
 * `tools/list`, `initialize`, `server/discover`. Every client calls `tools/list` first and often, and building it
 * means a fresh McpServer, every tool and every zod → JSON Schema conversion (~5 ms of CPU for quilt-mcp's 43 KB
 * list). The SDK still produces each distinct answer once, byte for byte; repeats are answered from here with only
 * the JSON-RPC id put in.
 *
 * The key is everything the answer can depend on: the request without its id (method, params with any cursor and
 * `_meta`, protocol revision), the request headers the SDK reads (protocol version, Accept, Content-Type, Host,
 * Origin, Mcp-Method/Mcp-Name, session id), and the caller's scopes — tools/list is not filtered by scope today,
 * but if it ever is, an answer for one scope set cannot reach another. The caller's identity is not in the key:
 * nothing in these answers names the caller.
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
  headers: Record<string, string>;
  /** The JSON answer split around its id: prefix + JSON(id) + suffix. */
  prefix: Buffer;
  suffix: Buffer;
}

export interface CacheableRequest {
  key: string;
  id: string | number;
}

/**
 * The request as a cache candidate, or undefined: only a single JSON-RPC request (no batch, no notification) of a
 * cacheable method with a plain id. Cheap to reject: most bodies are refused by the substring test before parsing.
 */
export function cacheableRequest(
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
  scopes: readonly string[],
): CacheableRequest | undefined {
  const text = body.toString('utf8');
  if (!text.includes('"tools/list"') && !text.includes('"initialize"') && !text.includes('"server/discover"')) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const { id, method, ...rest } = message as Record<string, unknown>;
  if (typeof method !== 'string' || !CACHEABLE_METHODS.has(method)) return undefined;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return undefined;
  const keyHeaders = KEY_HEADERS.map((name) => headers[name] ?? null);
  return { id, key: JSON.stringify([method, rest, keyHeaders, [...scopes].sort()]) };
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
  return { status, headers: { ...headers }, prefix: Buffer.from(head + parts[0]!), suffix: Buffer.from(parts[1]! + tail) };
}

/**
 * The answer for this id: the SDK's headers in the SDK's order with this answer's length, and the body in three
 * pieces written as they are (copying a ~45 KB list into one buffer per request was 15% of a cached answer's CPU).
 */
export function answerFor(answer: CachedAnswer, id: string | number): { headers: Record<string, string>; body: Buffer[] } {
  const idBytes = Buffer.from(JSON.stringify(id));
  const length = answer.prefix.byteLength + idBytes.byteLength + answer.suffix.byteLength;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) headers[name] = name === 'content-length' ? String(length) : value;
  return { headers, body: [answer.prefix, idBytes, answer.suffix] };
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
