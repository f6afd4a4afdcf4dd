/**
 * The one place where quilt-mcp's failures become tool results: the Quilt core's errors, the registry layer's
 * refusals and AWS credential resolution, each as a ToolError with a code from the shared catalogue. Anything
 * else stays an internal error (logged, not shown).
 */
import { ToolError } from '@labmcp/service-kit';
import { AwsCredentialsError } from './auth/index.js';
import { HashError, LogicalKeyError, ManifestError, PythonJsonError, RecordTooLargeError, RegistryError, StorageError } from './quilt/index.js';
import { RegistryRequestError } from './registry/errors.js';

const REGISTRY_HINTS: Partial<Record<RegistryError['code'], string>> = {
  PackageNotFound: ' (packages_list shows the packages there)',
  RevisionNotFound: ' (package_history lists the revisions)',
  Conflict: '. This call recorded no revision; look at the package again and retry.',
};

/** Maps a known failure to a ToolError (an `isError` result); undefined for anything else (an internal error). */
export function toToolError(err: unknown): ToolError | undefined {
  if (err instanceof ToolError) return err;
  if (err instanceof RegistryRequestError) return new ToolError(err.message, err.code);
  if (err instanceof RegistryError) {
    const code =
      err.code === 'PackageNotFound' || err.code === 'RevisionNotFound'
        ? 'not_found'
        : err.code === 'CorruptPointer'
          ? 'corrupt_registry'
          : err.code === 'Conflict'
            ? 'conflict'
            : 'invalid_request';
    return new ToolError(`${err.message}${REGISTRY_HINTS[err.code] ?? ''}`, code);
  }
  if (err instanceof StorageError) {
    switch (err.code) {
      case 'PathEscape':
        return new ToolError(`Refused: ${err.message}; nothing outside the registry is read or written.`, 'path_escape');
      case 'AccessDenied':
        return new ToolError(err.message, 'access_denied');
      case 'NotFound':
        return new ToolError(err.message, 'not_found');
      case 'NotSupported':
        return new ToolError(err.message, 'not_supported');
      case 'Busy':
        return new ToolError(`${err.message}; try again.`, 'conflict');
      default:
        return new ToolError(err.message, 'invalid_request');
    }
  }
  // Before ManifestError: this one is refused on the way in (a write), not found in a manifest read.
  if (err instanceof RecordTooLargeError) return new ToolError(`${err.message}. This call recorded no revision; make the metadata smaller.`, 'too_large');
  if (err instanceof ManifestError) return new ToolError(`The manifest cannot be read: ${err.message}`, 'bad_manifest');
  if (err instanceof LogicalKeyError) return new ToolError(err.message, 'invalid_key');
  if (err instanceof HashError) return new ToolError(err.message, 'hash_error');
  if (err instanceof PythonJsonError) return new ToolError(err.message, 'invalid_metadata');
  if (err instanceof AwsCredentialsError) return new ToolError(err.message, err.code);
  return undefined;
}
