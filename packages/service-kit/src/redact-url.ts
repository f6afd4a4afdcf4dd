/**
 * Query parameters that carry credentials in the ways clients and APIs commonly send them (OAuth's
 * `access_token`, API keys, presigned-URL signatures). Compared without case, `-` and `_`.
 */
const CREDENTIAL_PARAMS = new Set(
  [
    'access_token',
    'id_token',
    'refresh_token',
    'token',
    'jwt',
    'auth',
    'authorization',
    'bearer',
    'api_key',
    'apikey',
    'key',
    'benchling_api_key',
    'x-benchling-api-key',
    'password',
    'passwd',
    'secret',
    'client_secret',
    'code',
    'session',
    'signature',
    'sig',
    'x-amz-signature',
    'x-amz-credential',
    'x-amz-security-token',
  ].map(normalize),
);

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

// A JWT under any name: three base64url parts, the first a JSON header ("eyJ" is `{"` encoded).
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;

/**
 * A request URL fit for a log line: the value of every credential-carrying query parameter replaced, and any
 * JWT elsewhere in the query too. Without a query the URL is returned as it is, at no cost.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return url;
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      let name = eq === -1 ? pair : pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // an undecodable name is compared as it is
      }
      if (eq !== -1 && CREDENTIAL_PARAMS.has(normalize(name.trim()))) return `${pair.slice(0, eq)}=[redacted]`;
      return pair.replace(JWT, '[redacted]');
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}
