import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../logger.js';

/**
 * The verification keys of one source, for key rotation without downtime. A key given in the environment is
 * fixed for the life of the process. A key file (QUILT_JWT_SECRET_FILE, QUILT_JWT_PUBLIC_KEY_FILE) may hold
 * several keys and is read again when it changes (checked at most once per `checkEveryMs`, and at once when a
 * token's signature matches none of the keys, so a new key works from its first token). A key that leaves the
 * file is still accepted for `overlapMs` after the change was seen, so tokens signed with it shortly before the
 * rotation keep working; a file that cannot be read or parsed leaves the keys as they were (and is logged), so a
 * half-written file never refuses a request.
 */
export class KeyRing<K> {
  private current: K[];
  private readonly retired = new Map<string, { key: K; until: number }>();
  private fileStamp: string | undefined;
  private checkedAt = 0;

  constructor(
    private readonly options: {
      initial: K[];
      file?: string | undefined;
      parse: (text: string) => K[];
      idOf: (key: K) => string;
      overlapMs: number;
      logger: Pick<Logger, 'warn' | 'info'>;
      now?: () => number;
      checkEveryMs?: number;
    },
  ) {
    this.current = options.initial;
    if (options.file) this.fileStamp = stampOf(options.file);
  }

  /** The keys to try, newest first: the current ones, then those retired less than the overlap ago. */
  keys(forceCheck = false): K[] {
    const now = (this.options.now ?? Date.now)();
    if (this.options.file && (forceCheck || now - this.checkedAt >= (this.options.checkEveryMs ?? 1000))) {
      this.checkedAt = now;
      this.reload(this.options.file, now);
    }
    for (const [id, entry] of this.retired) if (entry.until <= now) this.retired.delete(id);
    return [...this.current, ...[...this.retired.values()].map((r) => r.key)];
  }

  private reload(file: string, now: number): void {
    const stamp = stampOf(file);
    if (stamp === undefined || stamp === this.fileStamp) return;
    let next: K[];
    try {
      next = this.options.parse(readFileSync(file, 'utf8'));
      if (next.length === 0) throw new Error('it holds no key');
    } catch (err) {
      // Remember nothing: the next check reads it again (an editor or a copy may still be writing it).
      this.options.logger.warn({ file, problem: (err as Error).message }, 'JWT key file changed but cannot be used; keeping the keys in use');
      return;
    }
    this.fileStamp = stamp;
    const nextIds = new Set(next.map(this.options.idOf));
    for (const key of this.current) {
      const id = this.options.idOf(key);
      if (!nextIds.has(id)) this.retired.set(id, { key, until: now + this.options.overlapMs });
    }
    for (const id of nextIds) this.retired.delete(id);
    // Bounded however often the file is rotated: the oldest retired keys go first.
    while (this.retired.size > MAX_RETIRED) this.retired.delete(this.retired.keys().next().value as string);
    this.current = next;
    this.options.logger.info({ file, keys: next.length, retired: this.retired.size, overlapSeconds: this.options.overlapMs / 1000 }, 'JWT keys reloaded');
  }
}

const MAX_RETIRED = 16;

function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** A secrets file: one secret per line; blank lines and lines starting with # are skipped. */
export function parseSecrets(text: string, minLength: number): Uint8Array[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    if (line.length < minLength) throw new Error(`a secret is shorter than ${minLength} characters`);
    if (line.includes('-----BEGIN')) throw new Error('it holds a PEM key, not HMAC secrets');
  }
  return lines.map((l) => new TextEncoder().encode(l));
}

/** A public-key file: one or more SPKI PEM blocks. */
export function parsePublicKeys(text: string): KeyObject[] {
  if (/PRIVATE KEY-----/.test(text)) throw new Error('it holds a private key: give this server only public keys');
  const blocks = text.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
  return blocks.map((block) => createPublicKey(block));
}

export function idOfSecret(secret: Uint8Array): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function idOfPublicKey(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}
