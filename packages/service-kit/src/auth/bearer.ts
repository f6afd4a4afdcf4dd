/**
 * The token from an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined when there is none:
 * no header, another scheme (`Basic` carries Benchling keys and is not ours to judge), or an empty token.
 * It never throws; a token of the wrong shape is returned as it is and refused by the verifier as `malformed`,
 * so every caller reports it the same way.
 */
export function bearerTokenFrom(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^\s*bearer(?:\s+([\s\S]*))?$/i.exec(header);
  if (!match) return undefined;
  const token = (match[1] ?? '').trim();
  return token === '' ? undefined : token;
}
