/**
 * Where users' Benchling keys are kept (key mode `vault`): one small interface, two stores (AWS Secrets Manager,
 * an encrypted key file). Names are full secret names (see names.ts); values are the keys themselves.
 */
export interface KeyStore {
  /** `secrets-manager` or `file`: a metric label and an audit field. */
  readonly kind: KeyStoreKind;
  /** Where it is, for messages and the health check (a region/endpoint or a path; never a credential). */
  readonly location: string;
  /** The key stored under `name`, or undefined when there is none; throws KeyStoreUnavailableError. */
  get(name: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Stores (creates or replaces) the key under `name`. */
  put(name: string, key: string): Promise<void>;
  /** Removes `name`; false when there was nothing to remove. */
  remove(name: string): Promise<boolean>;
  /** The names that start with `prefix` (names only, never values). */
  list(prefix: string): Promise<string[]>;
  close(): void;
}

export const KEY_STORE_KINDS = ['file', 'secrets-manager'] as const;
export type KeyStoreKind = (typeof KEY_STORE_KINDS)[number];

/**
 * The store could not answer (unreachable, timing out, refusing this server, a file that cannot be read or
 * decrypted). The message is for the operator and the caller alike: it names the store and what to check,
 * never a key.
 */
export class KeyStoreUnavailableError extends Error {
  override readonly name = 'KeyStoreUnavailableError';
}
