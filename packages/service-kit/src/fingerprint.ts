import { createHash } from 'node:crypto';

/** First 12 hex chars of SHA-256: enough to tell keys apart in logs and metrics, useless for recovering them. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}
