import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type KeyStore, KeyStoreUnavailableError } from './store.js';

/**
 * The embedded store for the single-container bundle: one file, encrypted at rest with AES-256-GCM (Node's
 * crypto; authenticated, so a changed or truncated file is refused rather than misread) under a 32-byte key from
 * the environment (BENCHLING_VAULT_FILE_KEY). The whole map of names to keys is one ciphertext, so the file shows
 * neither keys nor user names. Every write goes to a temporary file that is synced and renamed over the old one,
 * under a lock file, so a reader sees the old map or the new one, never a half-written one. Nothing decrypted is
 * kept between calls: the server's key cache (vault-keys.ts) decides how long a key stays in memory.
 */
export class FileKeyStore implements KeyStore {
  readonly kind = 'file' as const;

  constructor(
    readonly location: string,
    private readonly encryptionKey: Buffer,
  ) {
    if (encryptionKey.length !== 32) throw new Error('the key file needs a 32-byte encryption key');
  }

  async get(name: string): Promise<string | undefined> {
    return (await this.read(false)).get(name);
  }

  async put(name: string, key: string): Promise<void> {
    await this.update((keys) => {
      keys.set(name, key);
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    let removed = false;
    await this.update((keys) => {
      removed = keys.delete(name);
      return removed;
    });
    return removed;
  }

  async list(prefix: string): Promise<string[]> {
    return [...(await this.read(true)).keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  close(): void {}

  /** The stored map; a missing file is an empty map for the management command (`missingIsEmpty`), else an error. */
  private async read(missingIsEmpty: boolean): Promise<Map<string, string>> {
    let text: string;
    try {
      const info = await stat(this.location);
      if (info.size > MAX_FILE_BYTES) throw new KeyStoreUnavailableError(`The key file ${this.location} is larger than ${MAX_FILE_BYTES} bytes.`);
      text = await readFile(this.location, 'utf8');
    } catch (err) {
      if (err instanceof KeyStoreUnavailableError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && missingIsEmpty) return new Map();
      throw new KeyStoreUnavailableError(
        code === 'ENOENT'
          ? `The key file ${this.location} does not exist: add users' keys with \`npm run benchling-keys -- set <user>\` (or check BENCHLING_VAULT_FILE).`
          : `The key file ${this.location} cannot be read (${code ?? 'error'}).`,
      );
    }
    return this.decrypt(text);
  }

  private decrypt(text: string): Map<string, string> {
    try {
      const sealed = JSON.parse(text) as Sealed;
      if (sealed.format !== FORMAT || sealed.version !== 1 || sealed.cipher !== 'aes-256-gcm') throw new Error('not a key file of this version');
      const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(AAD);
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
      const keys = (JSON.parse(plain.toString('utf8')) as { keys: Record<string, string> }).keys;
      return new Map(Object.entries(keys));
    } catch {
      // Which step failed says nothing useful to an attacker, and the operator's fix is the same.
      throw new KeyStoreUnavailableError(
        `The key file ${this.location} cannot be decrypted with BENCHLING_VAULT_FILE_KEY (a different key, or the file was changed or damaged).`,
      );
    }
  }

  private encrypt(keys: Map<string, string>): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    cipher.setAAD(AAD);
    const data = Buffer.concat([cipher.update(JSON.stringify({ keys: Object.fromEntries(keys) }), 'utf8'), cipher.final()]);
    const sealed: Sealed = {
      format: FORMAT,
      version: 1,
      cipher: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return `${JSON.stringify(sealed)}\n`;
  }

  /** Read, change, write back atomically, under the lock; `change` says whether there is anything to write. */
  private async update(change: (keys: Map<string, string>) => boolean): Promise<void> {
    await mkdir(path.dirname(this.location), { recursive: true, mode: 0o700 });
    const release = await this.lock();
    try {
      const keys = await this.read(true);
      if (!change(keys)) return;
      const temp = `${this.location}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(this.encrypt(keys));
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, this.location);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      // The rename itself is durable only once the folder is synced.
      const dir = await open(path.dirname(this.location), 'r');
      await dir.sync().finally(() => dir.close());
    } finally {
      await release();
    }
  }

  /** An exclusive lock file beside the key file; one left by a process that died is taken over after a while. */
  private async lock(): Promise<() => Promise<void>> {
    const lockFile = `${this.location}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lockFile, 'wx', 0o600);
        await handle.close();
        return () => rm(lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const age = await stat(lockFile).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await rm(lockFile, { force: true });
        else if (Date.now() > deadline)
          throw new Error(`The key file is locked by another change (${lockFile}); try again, or remove the lock file if no change is running.`);
        else await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

interface Sealed {
  format: string;
  version: number;
  cipher: string;
  iv: string;
  tag: string;
  data: string;
}

const FORMAT = 'labmcp-benchling-keys';
/** Binds the ciphertext to this use: the same key and bytes are not valid as anything else. */
const AAD = Buffer.from('labmcp-benchling-keys/1');
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

/** BENCHLING_VAULT_FILE_KEY: 32 random bytes as base64 (`openssl rand -base64 32`) or 64 hex digits. */
export function parseFileKey(value: string): Buffer | undefined {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}
