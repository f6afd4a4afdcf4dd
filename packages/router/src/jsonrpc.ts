/** What the router needs to know of a (buffered, bounded) JSON-RPC request body, read once. */
export interface JsonRpcSummary {
  /** Messages in the body: 1 for a single message, the length of a batch (at least 1). */
  messages: number;
  /** The tool named by each `tools/call` in it (an empty string where the name is missing or not a string). */
  toolCalls: string[];
  /** The first `params._meta.traceparent` in it (MCP's per-message trace context), unchecked. */
  traceparent?: unknown;
}

/** Reads a request body as JSON-RPC; undefined when it is not JSON (the server answers that itself). */
export function summarizeJsonRpc(body: Buffer): JsonRpcSummary | undefined {
  if (body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const toolCalls: string[] = [];
  let traceparent: unknown;
  for (const message of messages) {
    traceparent ??= (message as { params?: { _meta?: { traceparent?: unknown } } } | null)?.params?._meta?.traceparent;
    if (typeof message !== 'object' || message === null || (message as { method?: unknown }).method !== 'tools/call') continue;
    const name = (message as { params?: { name?: unknown } }).params?.name;
    toolCalls.push(typeof name === 'string' ? name : '');
  }
  return { messages: Math.max(1, messages.length), toolCalls, ...(traceparent !== undefined && { traceparent }) };
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
// Searched for as bytes (a string needle would be encoded again on every search).
const TRACEPARENT = Buffer.from('traceparent');
const ESCAPE = Buffer.from('\\u');

/**
 * Whether the router must parse a request body before sending it on (summarizeJsonRpc): when it is a batch, since
 * each message costs a rate-limit token, or, when `traceparentWanted`, when it may name its trace in `_meta` (the
 * name spelled out, or any `\u` escape, which could spell it). A single message that does neither is sent as it
 * came, unparsed; the tool calls in it are read only if sending it again is ever in question.
 */
export function needsParsing(body: Buffer, traceparentWanted: boolean): boolean {
  let i = 0;
  while (i < body.length && WHITESPACE.has(body[i]!)) i++;
  if (body[i] === 0x5b /* [ */) return true;
  return traceparentWanted && (body.indexOf(TRACEPARENT) !== -1 || body.indexOf(ESCAPE) !== -1);
}
