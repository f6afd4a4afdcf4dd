/**
 * At most `max` requests in flight per API key; the rest wait in order. Entries exist only while a key has
 * requests running or waiting, so the map is bounded by the keys in use, not by every key ever seen. Keys are
 * identified by a fingerprint, never held here.
 */
export class KeySlots {
  private readonly slots = new Map<string, { active: number; waiters: { grant: () => void }[] }>();

  constructor(private readonly max: number) {}

  async acquire(keyId: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    let slot = this.slots.get(keyId);
    if (!slot) {
      slot = { active: 0, waiters: [] };
      this.slots.set(keyId, slot);
    }
    const entry = slot;
    if (entry.active < this.max) {
      entry.active++;
      return this.releaser(keyId, entry);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = entry.waiters.indexOf(waiter);
        if (i >= 0) entry.waiters.splice(i, 1);
        this.cleanup(keyId, entry);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.waiters.push(waiter);
    });
    return this.releaser(keyId, entry);
  }

  /** Requests running now for this key (for tests and health). */
  active(keyId: string): number {
    return this.slots.get(keyId)?.active ?? 0;
  }

  private releaser(keyId: string, entry: { active: number; waiters: { grant: () => void }[] }): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = entry.waiters.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next.grant();
      else {
        entry.active--;
        this.cleanup(keyId, entry);
      }
    };
  }

  private cleanup(keyId: string, entry: { active: number; waiters: unknown[] }): void {
    if (entry.active === 0 && entry.waiters.length === 0 && this.slots.get(keyId) === entry) this.slots.delete(keyId);
  }
}
