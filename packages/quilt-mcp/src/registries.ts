import { pathToFileURL } from 'node:url';
import type { RegistryRef } from './context.js';

/** The local registry first (the default), then the configured ones, without duplicates. */
export function registryRefs(localPath: string, configured: string[]): RegistryRef[] {
  const refs: RegistryRef[] = [{ url: pathToFileURL(localPath).href, kind: 'local', isDefault: true }];
  for (const url of configured) {
    const kind = url.startsWith('s3://') ? 's3' : url.startsWith('file:///') ? 'local' : undefined;
    if (!kind) throw new Error(`QUILT_REGISTRIES: ${JSON.stringify(url)} is neither s3://bucket nor file:///absolute/path`);
    const normalised = url.replace(/\/+$/, '');
    if (!refs.some((r) => r.url === normalised)) refs.push({ url: normalised, kind, isDefault: false });
  }
  return refs;
}
