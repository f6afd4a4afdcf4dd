import type { ToolErrorCode } from '@labmcp/service-kit';

/**
 * A request to a registry that this server refuses or cannot serve (a key outside the registry, an unknown
 * registry, a limit, S3 out of reach), in the shared vocabulary of error codes. errors.ts turns it into the tool
 * result; the registry layer itself knows nothing of tools.
 */
export class RegistryRequestError extends Error {
  override readonly name = 'RegistryRequestError';
  constructor(
    message: string,
    readonly code: ToolErrorCode,
  ) {
    super(message);
  }
}
