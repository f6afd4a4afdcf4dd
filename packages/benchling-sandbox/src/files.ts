import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Pre-signed download links for blobs and attached files, like the short-lived storage URLs Benchling hands
 * out: no API key, valid until `expires` (unix seconds), signed with the tenant's secret so they cannot be
 * made up. Served outside /api/v2 and not rate-limited ("It does not consume from the standard rate-limit").
 */
export const FILES_PREFIX = '/_files/';
/** How long a download link lives. */
export const DOWNLOAD_URL_SECONDS = 600;

function signature(secret: string, id: string, expires: number): string {
  return createHmac('sha256', secret).update(`file:${id}:${expires}`).digest('base64url').slice(0, 32);
}

export function signedFileUrl(secret: string, baseUrl: string, id: string, nowMs: number): { url: string; expiresAt: number } {
  const expiresAt = Math.floor(nowMs / 1000) + DOWNLOAD_URL_SECONDS;
  return { url: `${baseUrl}${FILES_PREFIX}${encodeURIComponent(id)}?expires=${expiresAt}&signature=${signature(secret, id, expiresAt)}`, expiresAt };
}

/** The blob id a download link names, or why it is refused. */
export function checkFileUrl(secret: string, url: URL, nowMs: number): { id: string } | { refused: string } {
  const id = decodeURIComponent(url.pathname.slice(FILES_PREFIX.length));
  const expires = Number(url.searchParams.get('expires'));
  const given = Buffer.from(url.searchParams.get('signature') ?? '');
  if (!Number.isInteger(expires)) return { refused: 'missing expiry' };
  const expected = Buffer.from(signature(secret, id, expires));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 'bad signature' };
  if (expires * 1000 < nowMs) return { refused: 'expired' };
  return { id };
}
