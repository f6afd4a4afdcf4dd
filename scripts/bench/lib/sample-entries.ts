// The synthetic package entries the manifest benchmarks (growth, manifest-throughput) write.

export interface SampleEntry<M> {
  logical_key: string;
  physical_keys: string[];
  size: number;
  hash: { type: string; value: string };
  meta: { user_meta: M } | Record<string, never>;
}

/**
 * `n` entries in quilt's walk order (zero-padded names, 1,000 per folder), each at `physicalKey(logical key)`;
 * one in five carries `userMeta(i)` as its user metadata.
 */
export function* sampleEntries<M>(n: number, physicalKey: (key: string) => string, userMeta: (i: number) => M): Generator<{ entry: SampleEntry<M> }> {
  for (let i = 0; i < n; i++) {
    const dir = String(Math.floor(i / 1000)).padStart(4, '0');
    const key = `run-${dir}/sample-${String(i).padStart(7, '0')}.fastq.gz`;
    yield {
      entry: {
        logical_key: key,
        physical_keys: [physicalKey(key)],
        size: (i * 7919) % 100_000_000,
        hash: { type: 'sha2-256-chunked', value: Buffer.alloc(32, i % 251).toString('base64') },
        meta: i % 5 === 0 ? { user_meta: userMeta(i) } : {},
      },
    };
  }
}
