import { RegistryRequestError } from './errors.js';

const RESERVED_PREFIX = '.quilt/';

/** Keys callers may name for package data: relative, no `..`, not the registry's own `.quilt/` folder. */
export function checkObjectKey(key: string): void {
  if (key === '' || key.length > 1024) throw new RegistryRequestError('An object key must have 1 to 1024 characters.', 'invalid_key');
  if (key.startsWith('/'))
    throw new RegistryRequestError(`Refused: ${JSON.stringify(key)} is absolute; keys are relative to the registry root.`, 'path_escape');
  if (key.includes('\0')) throw new RegistryRequestError('Object keys cannot contain NUL.', 'invalid_key');
  if (key.split('/').includes('..'))
    throw new RegistryRequestError(`Refused: ${JSON.stringify(key)} has a ".." segment; nothing outside the registry is read or written.`, 'path_escape');
  if (key.startsWith(RESERVED_PREFIX))
    throw new RegistryRequestError(
      `${JSON.stringify(key)} is inside the registry's own ${RESERVED_PREFIX} folder (manifests and pointers), not package data.`,
      'invalid_key',
    );
}
