import { startBundle, type Bundle, type BundleOptions } from '../../helpers/bundle.js';

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
