import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseRegistryUrl } from '../quilt/index.js';

export interface RegistryRef {
  /** `s3://bucket` or `file:///abs/path` */
  url: string;
  kind: 's3' | 'local';
  isDefault: boolean;
}

/** `s3://bucket` or `file:///abs/path`, in one spelling (no trailing slash, percent-encoded path). */
export function normaliseRegistryUrl(url: string): string {
  const location = parseRegistryUrl(url.trim().replace(/\/+$/, ''));
  if (location.kind === 's3') return `s3://${location.bucket}`;
  if (!path.isAbsolute(location.path)) throw new Error(`${JSON.stringify(url)} is not an absolute file path`);
  return pathToFileURL(path.resolve(location.path)).href.replace(/\/+$/, '');
}

/** The local registry first (the default), then the configured ones, without duplicates. */
export function registryRefs(localPath: string, configured: string[]): RegistryRef[] {
  const refs: RegistryRef[] = [{ url: normaliseRegistryUrl(pathToFileURL(localPath).href), kind: 'local', isDefault: true }];
  for (const url of configured) {
    const kind = url.startsWith('s3://') ? 's3' : url.startsWith('file:///') ? 'local' : undefined;
    if (!kind) throw new Error(`QUILT_REGISTRIES: ${JSON.stringify(url)} is neither s3://bucket nor file:///absolute/path`);
    let normalised: string;
    try {
      normalised = normaliseRegistryUrl(url);
    } catch (err) {
      throw new Error(`QUILT_REGISTRIES: ${(err as Error).message}`);
    }
    if (!refs.some((r) => r.url === normalised)) refs.push({ url: normalised, kind, isDefault: false });
  }
  return refs;
}
