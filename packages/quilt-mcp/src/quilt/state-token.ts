/**
 * Opaque continuation tokens (listing cursors, resume points): a small JSON object as base64url. Decoding gives
 * undefined for anything that is not such an object; each caller words its own error.
 */
export function encodeStateToken(state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

export function decodeStateToken(token: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not a token of ours
  }
  return undefined;
}
