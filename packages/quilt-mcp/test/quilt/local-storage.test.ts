import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { LocalStorage } from '../../src/quilt/local-storage.js';
import { StorageError } from '../../src/quilt/storage.js';
import { collect, tempDir } from './helpers.js';
import { storageContract } from './storage-contract.js';

t.test('storage contract', async (t) => {
  const storage = await LocalStorage.open(path.join(await tempDir(t, 'local'), 'root'));
  await storageContract(t, storage, { s3KeyOrder: true });
});

/** Everything under `dir` with sizes and mtimes, to prove nothing outside the root changed. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((d) => {
    const p = path.join(d.parentPath, d.name);
    const s = lstatSync(p);
    return `${path.relative(dir, p)} ${s.size} ${s.mtimeMs} ${s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'dir' : 'file'}`;
  });
}

t.test('nothing outside the root is read, written, listed or deleted', async (t) => {
  const base = await tempDir(t, 'escape');
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  writeFileSync(path.join(base, 'x'), 'sibling of the root');
  writeFileSync(path.join(root, 'sub', 'a.txt'), 'inside');
  symlinkSync(outside, path.join(root, 'link')); // folder symlink leading out
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'filelink')); // file symlink leading out
  symlinkSync(path.join(outside, 'gone'), path.join(root, 'dangling')); // leads out, to nothing
  symlinkSync(path.join(root, 'sub', 'a.txt'), path.join(root, 'inlink')); // stays inside
  const storage = await LocalStorage.open(root);
  const before = snapshot(base).filter((line) => !line.startsWith('root'));

  const hostile = ['../x', '/etc/passwd', 'a/../../x', '..', 'sub/../../x', 'link/secret.txt', 'filelink', 'dangling', 'a\\..\\x', 'a\0b', '', 'a//b', './a'];
  for (const key of hostile) {
    const label = JSON.stringify(key);
    await t.rejects(storage.get(key), StorageError, `get ${label}`);
    await t.rejects(storage.put(key, 'pwned'), StorageError, `put ${label}`);
    await t.rejects(storage.put(key, Readable.from([Buffer.from('pwned')]), { size: 5 }), StorageError, `put stream ${label}`);
    await t.rejects(storage.delete(key), StorageError, `delete ${label}`);
  }
  for (const key of ['../x', '/etc/passwd', 'a/../../x', 'link/secret.txt', 'filelink']) {
    await t.rejects(storage.head(key), { code: 'PathEscape' }, `head ${key}`);
  }
  await t.rejects(storage.put('link/new.txt', 'x'), { code: 'PathEscape' }, 'write through a folder symlink');
  await t.rejects(storage.put('link/deeper/new.txt', 'x'), { code: 'PathEscape' }, 'write below a folder symlink');
  await t.rejects(storage.delete('link/secret.txt'), { code: 'PathEscape' });
  await t.rejects(storage.delete('filelink'), { code: 'PathEscape' });
  for (const prefix of ['../', '/etc/', 'link/', 'a/../../', '..', 'sub/../../']) {
    await t.rejects(storage.list(prefix), StorageError, `list ${JSON.stringify(prefix)}`);
    await t.rejects(storage.list(prefix, { delimiter: '/' }), StorageError, `list ${JSON.stringify(prefix)} with delimiter`);
  }

  // A whole-root listing shows what is inside (including the inside symlink) and nothing behind the others.
  const page = await storage.list('');
  t.same(
    page.objects.map((o) => o.key),
    ['inlink', 'sub/a.txt'],
  );
  t.same((await storage.list('', { delimiter: '/' })).commonPrefixes, ['sub/'], 'the outward folder link is no prefix');
  t.equal((await collect((await storage.get('inlink')).body)).toString(), 'inside', 'a symlink inside the root works');

  t.same(
    snapshot(base).filter((line) => !line.startsWith('root')),
    before,
    'outside unchanged',
  );
  t.equal(readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'secret');
  t.equal(readFileSync(path.join(base, 'x'), 'utf8'), 'sibling of the root');
});

t.test('writes are atomic and leave no temporary files', async (t) => {
  const root = await tempDir(t, 'atomic');
  const storage = await LocalStorage.open(root);
  await storage.put('d/k', 'first');
  // A stream that fails half-way leaves the old object in place.
  const failing = new Readable({
    read() {
      this.push(Buffer.from('partial'));
      this.destroy(new Error('connection reset'));
    },
  });
  await t.rejects(storage.put('d/k', failing, { size: 100 }), /connection reset/);
  await t.rejects(storage.put('d/k', Readable.from([Buffer.from('short')]), { size: 100 }), { code: 'SizeMismatch' });
  t.equal(readFileSync(path.join(root, 'd', 'k'), 'utf8'), 'first');
  t.same(readdirSync(path.join(root, 'd')), ['k'], 'no temporary files left');
  await t.rejects(storage.put('d/.~labmcp-tmp-x', 'x'), { code: 'InvalidKey' }, 'temp names are reserved');
});

t.test('file/folder conflicts and folders', async (t) => {
  const root = await tempDir(t, 'conflict');
  const storage = await LocalStorage.open(root);
  await storage.put('x', '1');
  await t.rejects(storage.put('x/y', '2'), { code: 'InvalidKey', message: /"x" is an object, not a folder/ });
  await storage.put('dir/y', '3');
  await t.rejects(storage.put('dir', '4'), { code: 'InvalidKey', message: /folder/ });
  await t.rejects(storage.delete('dir'), { code: 'InvalidKey' });
  await t.rejects(storage.get('dir'), { code: 'NotFound' });
  t.equal(await storage.head('dir'), undefined);
  await storage.delete('dir/y');
  t.notOk(readdirSync(root).includes('dir'), 'emptied folder removed');
  mkdirSync(path.join(root, 'empty', 'deeper'), { recursive: true });
  t.same((await storage.list('', { delimiter: '/' })).commonPrefixes, [], 'empty folders are not prefixes');
});

t.test('misc', async (t) => {
  const root = await tempDir(t, 'misc');
  const storage = await LocalStorage.open(root);
  t.equal(storage.url, `file://${root}`);
  await t.rejects(storage.presign('k', 60), { code: 'NotSupported', message: /Presigned URLs need S3/ });
  await t.rejects(storage.list('', { continuationToken: 'garbage' }), { code: 'InvalidArgument' });
  await t.rejects(LocalStorage.open('relative/path'), { code: 'InvalidArgument' });
  await t.rejects(LocalStorage.open(path.join(root, 'nope'), { create: false }), { code: 'NotFound' });
  const put = await storage.put('k', 'v');
  t.equal(put.etag, (await storage.head('k'))?.etag);
  t.ok(statSync(path.join(root, 'k')).isFile());
});
