import { hash } from 'node:crypto';

/** First 12 hex chars of SHA-256: enough to tell keys apart in logs and metrics, useless for recovering them. */
export function fingerprint(secret: string): string {
  // The one-shot hash: no Hash object per call (this runs for every request benchling-mcp authenticates by key).
  return hash('sha256', secret, 'hex').slice(0, 12);
}
