/** Bounded concurrency over a list: at most `limit` calls in flight, started in order. */

/** Calls `fn` on each item; the first failure stops new calls and is thrown once the running ones settle. */
export async function forEachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let index = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      if (failed !== undefined) return;
      const next = iterator.next();
      if (next.done) return;
      const k = index++;
      try {
        await fn(next.value, k);
      } catch (err) {
        failed ??= { err };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failed !== undefined) throw failed.err;
}

/** Maps each item, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, k) => {
    results[k] = await fn(item);
  });
  return results;
}
