/**
 * Benchling's error answers: `{"error": {"type", "message", "userMessage"}}` (components.schemas.BaseError);
 * 404s add `error.invalidId` (NotFoundError) and list filters with bad `ids` add a top-level `invalidIds`
 * (ListingError). Every error the sandbox sends goes through this class so the shape cannot drift.
 */
export type ErrorType = 'invalid_request_error' | 'server_error';

export interface ErrorBody {
  error: { type: ErrorType; message: string; userMessage: string; invalidId?: string };
  invalidIds?: string[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly userMessage: string = message,
    readonly extra: { invalidId?: string; invalidIds?: string[]; type?: ErrorType } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    const error: ErrorBody['error'] = {
      type: this.extra.type ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error'),
      message: this.message,
      userMessage: this.userMessage,
    };
    if (this.extra.invalidId !== undefined) error.invalidId = this.extra.invalidId;
    const body: ErrorBody = { error };
    if (this.extra.invalidIds !== undefined) body.invalidIds = this.extra.invalidIds;
    return body;
  }
}

export function badRequest(message: string, userMessage?: string): ApiError {
  return new ApiError(400, message, userMessage ?? message);
}

/**
 * Objects the caller cannot see answer exactly like objects that do not exist, so a key cannot probe for ids
 * in projects it is not a member of.
 */
export function notFound(kind: string, id: string): ApiError {
  return new ApiError(404, `${kind} ${id} not found.`, `Could not find ${kind.toLowerCase()} ${id}, or you do not have access to it.`, {
    invalidId: id,
  });
}

export function unauthorized(message: string): ApiError {
  return new ApiError(401, message, 'Your API key is missing or invalid.', {}, { 'www-authenticate': 'Basic realm="Benchling API"' });
}
