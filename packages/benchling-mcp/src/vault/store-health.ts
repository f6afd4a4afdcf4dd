import { type KeyStore, KeyStoreUnavailableError } from './store.js';

/** The `keys` check of `/health` in the vault modes: `degraded` with the last failure while the store cannot answer. */
export type StoreHealthCheck = { status: 'ok' } | { status: 'degraded'; lastFailure: { at: string; reason: string } };

/**
 * The key store's recent state, learnt passively from the lookups that reached it (cache hits do not): the latest
 * one to finish decides. `/health` is probed often and a Secrets Manager call costs money and counts against its
 * rate limits, so a health probe never asks the store itself.
 */
export class StoreHealth {
  private lastFailure: { at: string; reason: string } | undefined;

  constructor(private readonly store: KeyStore) {}

  /** Records how one store call ends (answered, with a key or without, or failed) and passes its outcome on. */
  track<T>(call: Promise<T>): Promise<T> {
    return call.then(
      (value) => {
        this.lastFailure = undefined;
        return value;
      },
      (err: unknown) => {
        this.lastFailure = { at: new Date().toISOString(), reason: unavailableReason(this.store, err) };
        throw err;
      },
    );
  }

  check(): StoreHealthCheck {
    return this.lastFailure ? { status: 'degraded', lastFailure: this.lastFailure } : { status: 'ok' };
  }
}

/**
 * Why the store could not answer, for the caller's 503 and the operator's `/health`: a KeyStoreUnavailableError's
 * message (it names the store and what to check, never a key or a secret name), else only where the store is (an
 * SDK's own message may quote the secret name, which holds a user id).
 */
export function unavailableReason(store: KeyStore, err: unknown): string {
  return err instanceof KeyStoreUnavailableError ? err.message : `${store.location} failed.`;
}
