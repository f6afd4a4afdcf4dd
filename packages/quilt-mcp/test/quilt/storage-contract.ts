/** Behaviour every ObjectStorage must share (run against local storage and against S3 via s3rver). */
import { Readable } from 'node:stream';
import type { Test } from 'tap';
import { type ObjectStorage, StorageError } from '../../src/quilt/storage.js';
import { collect } from './helpers.js';

async function listAll(storage: ObjectStorage, prefix: string, options: { delimiter?: '/'; maxKeys?: number } = {}) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await storage.list(prefix, { ...options, ...(token === undefined ? {} : { continuationToken: token }) });
    keys.push(...page.objects.map((o) => o.key));
    prefixes.push(...page.commonPrefixes);
    token = page.nextContinuationToken;
    pages++;
  } while (token !== undefined);
  return { keys, prefixes, pages };
}

/**
 * `s3KeyOrder: false` leaves out the key "a-b", which real S3 lists before "a/1" ('-' < '/') but s3rver
 * (which walks its folders) lists after "a/sub/3", dropping it when a page boundary falls there.
 */
export async function storageContract(t: Test, storage: ObjectStorage, options: { s3KeyOrder: boolean }): Promise<void> {
  const keys = [...(options.s3KeyOrder ? ['a-b'] : []), 'a/1', 'a/2', 'a/sub/3', 'a0', 'b', 'café/ü', 'z/\uE000', 'z/\u{1F600}'];
  for (const key of keys) await storage.put(key, `body of ${key}`);

  await t.test('get, head', async (t) => {
    const got = await storage.get('a/1');
    t.equal((await collect(got.body)).toString(), 'body of a/1');
    t.equal(got.size, 11);
    t.equal(got.contentLength, 11);
    const head = await storage.head('café/ü');
    t.equal(head?.size, Buffer.byteLength('body of café/ü'));
    t.equal(head?.key, 'café/ü');
    t.equal(await storage.head('missing'), undefined);
    await t.rejects(storage.get('missing'), { name: 'StorageError', code: 'NotFound' });
    await t.rejects(storage.get('a'), { code: 'NotFound' }, 'a prefix is not an object');
  });

  await t.test('ranges', async (t) => {
    const part = await storage.get('a/1', { range: { offset: 2, length: 4 } });
    t.equal((await collect(part.body)).toString(), 'dy o');
    t.equal(part.size, 11, 'size is the whole object');
    t.equal(part.contentLength, 4);
    const tail = await storage.get('a/1', { range: { offset: 8 } });
    t.equal((await collect(tail.body)).toString(), 'a/1');
    const clipped = await storage.get('a/1', { range: { offset: 9, length: 100 } });
    t.equal((await collect(clipped.body)).toString(), '/1');
    await t.rejects(storage.get('a/1', { range: { offset: 11 } }), { code: 'InvalidRange' });
    await t.rejects(storage.get('a/1', { range: { offset: -1 } }), { code: 'InvalidRange' });
  });

  await t.test('put replaces; streams need and honour their size', async (t) => {
    await storage.put('b', Buffer.from('replaced'));
    t.equal((await collect((await storage.get('b')).body)).toString(), 'replaced');
    await storage.put('stream/x', Readable.from([Buffer.from('ab'), Buffer.from('cd')]), { size: 4 });
    t.equal((await collect((await storage.get('stream/x')).body)).toString(), 'abcd');
    await storage.put('empty', new Uint8Array(0));
    const empty = await storage.get('empty');
    t.equal(empty.size, 0);
    t.equal((await collect(empty.body)).length, 0);
    await t.rejects(storage.put('b', 'four', { size: 3 }), { code: 'SizeMismatch' });
    await storage.delete('stream/x');
    await storage.delete('empty');
  });

  await t.test('list: key order, paging, delimiter, partial prefixes', async (t) => {
    // S3 orders keys by UTF-8 bytes: "a-b" < "a/..." < "a0", and U+E000 < U+1F600.
    const all = await listAll(storage, '');
    t.same(all.keys, keys);
    const paged = await listAll(storage, '', { maxKeys: 2 });
    t.same(paged.keys, keys, 'same keys across pages');
    t.equal(paged.pages, Math.ceil(keys.length / 2), 'more than one page');
    const under = await listAll(storage, 'a/', { delimiter: '/' });
    t.same(under.keys, ['a/1', 'a/2']);
    t.same(under.prefixes, ['a/sub/']);
    const top = await listAll(storage, '', { delimiter: '/' });
    t.same(top.keys, [...(options.s3KeyOrder ? ['a-b'] : []), 'a0', 'b']);
    t.same(top.prefixes, ['a/', 'café/', 'z/']);
    t.same((await listAll(storage, 'a', { delimiter: '/' })).prefixes, ['a/'], 'partial name prefix');
    t.same((await listAll(storage, 'a/s')).keys, ['a/sub/3']);
    t.same((await listAll(storage, 'nothing/')).keys, []);
    const first = await storage.list('', { maxKeys: 1 });
    t.equal(first.objects[0]?.key, keys[0]);
    t.equal(typeof first.objects[0]?.size, 'number');
    t.type(first.nextContinuationToken, 'string');
    await t.rejects(storage.list('', { maxKeys: 0 }), StorageError);
  });

  await t.test('delete', async (t) => {
    await storage.delete('a/sub/3');
    await storage.delete('a/sub/3'); // missing: not an error
    t.same((await listAll(storage, 'a/', { delimiter: '/' })).prefixes, [], 'an emptied prefix disappears');
    for (const key of keys) await storage.delete(key);
    t.same((await listAll(storage, '')).keys, []);
  });

  await t.test('conditional writes: create if absent, compare-and-swap, conditional delete, under contention', async (t) => {
    const key = 'cond/one';
    const first = await storage.putIfAbsent(key, 'first');
    t.equal(first.created, true);
    t.same(await storage.putIfAbsent(key, 'second'), { created: false }, 'an existing object is not replaced');
    t.equal((await collect((await storage.get(key)).body)).toString(), 'first');
    const etag = (await storage.head(key))?.etag as string;
    t.ok(etag);
    t.equal(await storage.putIfMatch(key, 'third', '"not-the-etag"'), false, 'a stale ETag replaces nothing');
    t.equal(await storage.putIfMatch(key, 'third', etag), true);
    t.equal((await collect((await storage.get(key)).body)).toString(), 'third');
    t.equal(await storage.putIfMatch(key, 'fourth', etag), false, 'the old ETag no longer matches');
    t.equal(await storage.putIfMatch('cond/missing', 'x', etag), false, 'nothing to swap');
    t.equal(await storage.head('cond/missing'), undefined);
    t.equal(await storage.deleteIfMatch(key, etag), false);
    const now = (await storage.head(key))?.etag as string;
    t.equal(await storage.deleteIfMatch(key, now), true);
    t.equal(await storage.deleteIfMatch(key, now), false, 'already gone');

    // Twenty writers at once: one creates, one swaps, one deletes; the rest are told they did not.
    const creates = await Promise.all(Array.from({ length: 20 }, (_, k) => storage.putIfAbsent('cond/race', `writer ${k}`)));
    t.equal(creates.filter((c) => c.created).length, 1, 'one create wins');
    const base = (await storage.head('cond/race'))?.etag as string;
    const swaps = await Promise.all(Array.from({ length: 20 }, (_, k) => storage.putIfMatch('cond/race', `swapper ${k}`, base)));
    t.equal(swaps.filter(Boolean).length, 1, 'one swap wins');
    const current = (await storage.head('cond/race'))?.etag as string;
    const deletes = await Promise.all(Array.from({ length: 20 }, () => storage.deleteIfMatch('cond/race', current)));
    t.equal(deletes.filter(Boolean).length, 1, 'one delete wins');
    t.equal(await storage.head('cond/race'), undefined);
    t.same((await listAll(storage, 'cond/')).keys, [], 'no temporary object is listed');
  });
}
