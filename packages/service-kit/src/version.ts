import { readFileSync } from 'node:fs';

/** The version in the package.json next to the given module's dist folder, read once at start. */
export function packageVersion(moduleUrl: string): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}
