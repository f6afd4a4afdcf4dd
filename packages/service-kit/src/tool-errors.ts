/**
 * The one catalogue of error codes a tool result can carry, for both servers. Adapters and API clients throw
 * their own domain errors; each server translates them into a ToolError in one place (its `toToolError`, given
 * to `registerTools`), and the frame turns a ToolError into an `isError` result with its message.
 */
export const TOOL_ERROR_CODES = [
  // Arguments and requests
  'invalid_request',
  'invalid_cursor',
  'invalid_key',
  'invalid_metadata',
  'schema_validation',
  'too_large',
  'confirmation_required',
  'insufficient_scope',
  'not_found',
  'conflict',
  'not_supported',
  // Where data may be (Quilt registries)
  'unknown_registry',
  'outside_registry',
  'path_escape',
  'bad_physical_key',
  'bad_manifest',
  'workflow_refused',
  'workflow_config_error',
  'corrupt_registry',
  'hash_error',
  'registry_unavailable',
  'access_denied',
  // Services behind a tool (S3, the Quilt catalog, Benchling)
  'upstream_error',
  'upstream_unavailable',
  'no_credentials',
  'catalog_refused',
  'catalog_error',
  'catalog_unreachable',
  'catalog_timeout',
  'catalog_bad_response',
  'key_rejected',
  'bad_request',
  'rate_limited',
  'unavailable',
  'timeout',
  'network',
  'bad_response',
  'cancelled',
] as const;

export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

/**
 * A mistake the caller can fix (unknown package, bad id, missing permission). It becomes an `isError` tool
 * result with this message, so the assistant can read it and correct itself; anything else is an internal error
 * whose details stay in the log.
 */
export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    message: string,
    readonly code: ToolErrorCode = 'invalid_request',
  ) {
    super(message);
  }
}

/** A server's translation of its domain errors; undefined for a failure that is not the caller's to fix. */
export type ToolErrorTranslator = (err: unknown) => ToolError | undefined;
