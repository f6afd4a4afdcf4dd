import { HttpError, type Logger, writeAudit } from '@labmcp/service-kit';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { SecretNames } from './names.js';
import { KEY_STORE_KINDS, type KeyStore } from './store.js';
import { StoreHealth, type StoreHealthCheck, unavailableReason } from './store-health.js';

export interface VaultKeysOptions {
  store: KeyStore;
  names: SecretNames;
  /** How long a fetched key is used before it is fetched again; 0: every request asks the store. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  logger: Logger;
  registry: Registry;
  /** Whether Benchling refused this key lately (the client remembers refusals); such a key is not used again. */
  rejectedLately: (apiKey: string) => boolean;
  /** For messages: how the operator sets a key in this store. */
  setHint: (user: string, name: string) => string;
}

export type LookupOutcome = 'found' | 'missing' | 'unavailable' | 'refused';

/**
 * Users' Benchling keys from the vault, with a small cache in front (a store fetch per request would add its
 * latency and cost to every call). A key is held at most `cacheTtlMs` (expired entries are purged, not just
 * ignored), is dropped as soon as Benchling refuses it (then fetched again, so a rotated key takes effect at once),
 * and a key Benchling refused is never cached again. Every lookup writes one audit line (user, store, cache
 * hit/miss, outcome) and counts in the metrics; neither ever holds the key.
 */
export class VaultKeys {
  private readonly cache: LRUCache<string, string> | undefined;
  /** Fetches in flight by name, so a burst of requests for one user costs one store call. */
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly lookups: Counter<'store' | 'cache' | 'outcome'>;
  private readonly cacheHits: Counter<'store'>;
  private readonly failures: Counter<'store' | 'outcome'>;
  private readonly storeHealth: StoreHealth;

  constructor(private readonly options: VaultKeysOptions) {
    this.storeHealth = new StoreHealth(options.store);
    this.cache = options.cacheTtlMs > 0 ? new LRUCache({ max: options.cacheMaxEntries, ttl: options.cacheTtlMs, ttlAutopurge: true }) : undefined;
    const registers = [options.registry];
    this.lookups = new Counter({
      name: 'labmcp_benchling_key_lookups_total',
      help: "Lookups of users' Benchling keys in the vault, by store, cache (hit, miss, refresh) and outcome",
      labelNames: ['store', 'cache', 'outcome'],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'labmcp_benchling_key_cache_hits_total',
      help: 'Key lookups answered from the cache',
      labelNames: ['store'],
      registers,
    });
    this.failures = new Counter({
      name: 'labmcp_benchling_key_lookup_failures_total',
      help: 'Key lookups that gave no usable key, by store and outcome (missing, unavailable, refused)',
      labelNames: ['store', 'outcome'],
      registers,
    });
    for (const store of KEY_STORE_KINDS) {
      this.cacheHits.inc({ store }, 0);
      for (const outcome of ['missing', 'unavailable', 'refused'] as const) this.failures.inc({ store, outcome }, 0);
    }
  }

  get store(): KeyStore {
    return this.options.store;
  }

  /** The store's state for `/health`, as the latest lookup that reached it found it (no store call of its own). */
  health(): StoreHealthCheck {
    return this.storeHealth.check();
  }

  /** The user's key, or an HttpError that says what to do: 403 (no key, or a refused one) or 503 (store down). */
  async keyFor(user: string): Promise<string> {
    const name = this.options.names.nameFor(user);
    const cached = this.cache?.get(name);
    if (cached !== undefined) {
      this.cacheHits.inc({ store: this.options.store.kind });
      this.record(user, 'hit', 'found');
      return cached;
    }
    return this.fetch(user, name, 'miss');
  }

  /**
   * After Benchling refused `refusedKey`: forget it and ask the store again. The new key when the store now
   * holds another one (the request is then retried with it), else undefined.
   */
  async refresh(user: string, refusedKey: string): Promise<string | undefined> {
    const name = this.options.names.nameFor(user);
    if (this.cache?.get(name) === refusedKey) this.cache.delete(name);
    try {
      const key = await this.fetch(user, name, 'refresh', refusedKey);
      return key === refusedKey ? undefined : key;
    } catch {
      return undefined; // the refusal itself is reported; the lookup's failure is in its own audit line
    }
  }

  private async fetch(user: string, name: string, cache: 'miss' | 'refresh', refusedKey?: string): Promise<string> {
    const { store } = this.options;
    let key: string | undefined;
    try {
      let pending = this.inFlight.get(name);
      if (!pending) {
        pending = this.storeHealth.track(store.get(name)).finally(() => this.inFlight.delete(name));
        this.inFlight.set(name, pending);
      }
      key = await pending;
    } catch (err) {
      this.record(user, cache, 'unavailable');
      const detail = unavailableReason(store, err);
      throw new HttpError(
        503,
        'vault_unavailable',
        `The Benchling key vault is unavailable, so your Benchling key cannot be looked up: ${detail} Try again shortly; if it persists, tell the server's operator.`,
        { 'retry-after': '5' },
      );
    }
    if (key === undefined) {
      this.record(user, cache, 'missing');
      throw new HttpError(
        403,
        'vault_key_missing',
        `No Benchling API key is stored for "${user}" (looked up ${name} in ${store.location}). Ask an administrator to add yours: ${this.options.setHint(user, name)}.`,
      );
    }
    if (key === refusedKey || this.options.rejectedLately(key)) {
      this.record(user, cache, 'refused');
      throw new HttpError(
        403,
        'key_rejected',
        `Benchling refused the API key stored for "${user}" (${name} in ${store.location}) and the vault still holds that key. ` +
          `Ask an administrator to rotate it: create a new key in Benchling, then ${this.options.setHint(user, name)}.`,
      );
    }
    this.cache?.set(name, key);
    this.record(user, cache, 'found');
    return key;
  }

  private record(user: string, cache: 'hit' | 'miss' | 'refresh', outcome: LookupOutcome): void {
    const store = this.options.store.kind;
    this.lookups.inc({ store, cache, outcome });
    if (outcome !== 'found') this.failures.inc({ store, outcome });
    writeAudit(this.options.logger, { event: 'benchling_key_lookup', userId: user, store, cache, outcome }, 'Benchling key lookup');
  }
}
