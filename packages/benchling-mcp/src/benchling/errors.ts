/**
 * Why a Benchling request failed. A small closed set: it is the ToolError code the caller sees, and what tools
 * branch on (a 404 during `search` means "no match", not a failure).
 */
export type BenchlingErrorKind =
  | 'key_rejected'
  | 'not_found'
  | 'bad_request'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'too_large'
  | 'bad_response'
  | 'cancelled';

/** Benchling's error body: `{"error": {"type", "message", "userMessage", "invalidId"?}, "invalidIds"?}`. */
export interface BenchlingErrorBody {
  type?: string;
  message?: string;
  userMessage?: string;
  invalidId?: string;
  invalidIds?: string[];
}

/**
 * A failed Benchling request, its message written for the person (or assistant) using the tool, never holding
 * the API key. The client knows nothing of MCP: tool-errors.ts turns this into the tool's `isError` result.
 */
export class BenchlingError extends Error {
  override readonly name = 'BenchlingError';
  constructor(
    readonly kind: BenchlingErrorKind,
    message: string,
    readonly details: { status?: number; body?: BenchlingErrorBody; attempts?: number; waitedMs?: number; retryInMs?: number } = {},
  ) {
    super(message);
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

const MAX_MESSAGE_CHARS = 1000;

/** Benchling's error object from a parsed body, or undefined when the body is not one. */
export function errorBodyOf(body: unknown): BenchlingErrorBody | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const invalidIds = (body as { invalidIds?: unknown }).invalidIds;
  const out: BenchlingErrorBody = {};
  const type = str(e.type);
  const message = str(e.message);
  const userMessage = str(e.userMessage);
  const invalidId = str(e.invalidId);
  if (type) out.type = type;
  if (message) out.message = message;
  if (userMessage) out.userMessage = userMessage;
  if (invalidId) out.invalidId = invalidId;
  if (Array.isArray(invalidIds)) out.invalidIds = invalidIds.filter((x): x is string => typeof x === 'string').slice(0, 100);
  return out;
}

/**
 * "userMessage (message)", the two deduplicated, bounded, with any occurrence of the key removed: Benchling's
 * own text reaches the user, but a server echoing the credential must not make us echo it too.
 */
export function describeErrorBody(body: BenchlingErrorBody | undefined, secret: string | undefined): string | undefined {
  if (!body) return undefined;
  const parts: string[] = [];
  if (body.userMessage) parts.push(body.userMessage);
  if (body.message && body.message !== body.userMessage) parts.push(parts.length ? `(${body.message})` : body.message);
  if (body.invalidIds?.length) parts.push(`Invalid ids: ${body.invalidIds.join(', ')}.`);
  if (!parts.length) return undefined;
  return scrub(parts.join(' '), secret);
}

export function scrub(text: string, secret: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  let out = text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' ');
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS)}…` : out;
}
