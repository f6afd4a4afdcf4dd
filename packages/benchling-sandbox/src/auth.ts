import { createHash } from 'node:crypto';
import { unauthorized } from './http/errors.js';
import type { UserRecord } from './store/types.js';

/**
 * Benchling API-key auth: HTTP Basic with the key as the user name and an empty password. Each key is a user;
 * what the user may see is decided elsewhere (visibility.ts).
 */
export class Authenticator {
  /** keyed by a hash of the API key, so lookups do not compare secrets character by character */
  private readonly byKeyHash = new Map<string, UserRecord>();

  /**
   * @param users the tenant's users, each with its key
   * @param extraKeys additional keys from configuration, each mapped to an existing user's id or handle
   */
  constructor(users: readonly UserRecord[], extraKeys: Readonly<Record<string, string>> = {}) {
    for (const user of users) this.byKeyHash.set(hashKey(user.apiKey), user);
    for (const [key, who] of Object.entries(extraKeys)) {
      const user = users.find((u) => u.id === who || u.handle === who);
      if (!user) throw new Error(`extra API key mapped to unknown user "${who}" (use a user id like ent_... or a handle)`);
      if (!key) throw new Error('extra API keys must not be empty');
      this.byKeyHash.set(hashKey(key), user);
    }
  }

  authenticate(authorization: string | undefined): UserRecord {
    if (!authorization) throw unauthorized('Missing Authorization header. Authenticate with HTTP Basic, the API key as user name and an empty password.');
    const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization);
    if (!match) {
      throw unauthorized(
        /^Bearer\s/i.test(authorization)
          ? 'The sandbox does not issue OAuth tokens; authenticate with an API key over HTTP Basic.'
          : 'Malformed Authorization header; expected HTTP Basic credentials.',
      );
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // The password is ignored (Benchling keys go in the user name); a key put in the password slot is a client bug.
    const key = colon < 0 ? decoded : decoded.slice(0, colon);
    if (!key) throw unauthorized('Empty API key: put the API key in the Basic user name and leave the password empty.');
    const user = this.byKeyHash.get(hashKey(key));
    if (!user) throw unauthorized('Invalid API key.');
    return user;
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
