import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import type { Test } from 'tap';
import { type Bundle, type BundleOptions, startBundle } from '../../helpers/bundle.js';

/**
 * startBundle, tried twice: on a loaded 2-core machine (the Dockerfile test's installs and tsc run in parallel
 * with tap's jobs: 2) a process can miss startBundle's 20 s start-up window once.
 */
export async function startBundleRetrying(options: BundleOptions = {}): Promise<Bundle> {
  try {
    return await startBundle(options);
  } catch (first) {
    try {
      return await startBundle(options);
    } catch (second) {
      throw new Error(`the bundle did not start twice:\n1: ${(first as Error).message}\n2: ${(second as Error).message}`);
    }
  }
}

export interface ClientSetup {
  bundle: Bundle;
  /** A scratch HOME for the client tool, so it neither reads nor writes the user's own configuration. */
  home: string;
  /** A demo-auth JWT for quilt-mcp (alice, read:packages). */
  token: string;
}

/**
 * What a real-client test starts with: the bundle, a scratch HOME and a token, all removed when `t` ends. When the
 * bundle does not start, the test fails and this returns undefined.
 */
export async function startBundleForClient(t: Test, homePrefix: string): Promise<ClientSetup | undefined> {
  const home = mkdtempSync(path.join(tmpdir(), homePrefix));
  let bundle: Bundle;
  try {
    bundle = await startBundleRetrying();
  } catch (err) {
    rmSync(home, { recursive: true, force: true });
    t.fail((err as Error).message);
    return undefined;
  }
  t.teardown(async () => {
    await bundle.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'alice@example.com', scopes: ['read:packages'] });
  return { bundle, home, token };
}
