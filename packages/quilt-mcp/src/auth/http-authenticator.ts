import type { IncomingMessage } from 'node:http';
import { HttpError } from '@labmcp/service-kit';
import { AuthError, bearerTokenFrom, type JwtVerifier } from '@labmcp/service-kit/auth';
import type { QuiltCaller } from './caller.js';

/** Bearer JWT → caller, or a 401 carrying the RFC 6750 challenge. */
export function quiltAuthenticator(verifier: JwtVerifier): (req: IncomingMessage) => Promise<QuiltCaller> {
  return async (req) => {
    try {
      const token = bearerTokenFrom(req.headers.authorization);
      if (!token) throw new AuthError('missing', 'This server needs a JWT: send Authorization: Bearer <token>.');
      const principal = await verifier.verify(token);
      return { userId: principal.userId, scopes: principal.scopes, principal, token };
    } catch (err) {
      if (err instanceof AuthError) {
        throw new HttpError(err.status, err.reason, err.message, { 'www-authenticate': err.wwwAuthenticate('quilt-mcp') });
      }
      throw err;
    }
  };
}
