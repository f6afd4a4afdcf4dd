/**
 * ObjectStorage over a local folder (a `file:///abs/path` registry).
 *
 * Confinement: nothing is read, written, listed or deleted outside the root. Keys are checked
 * syntactically (no absolute keys, `..`/`.`/empty segments, NUL or backslash) and then against the
 * file system: the real path (all symlinks resolved) of the object, and before a write of every
 * existing ancestor folder, must lie inside the root's real path. Listing doesn't follow symlinked
 * folders and skips symlinks that lead outside. The checks and the I/O that follows are separate
 * system calls, so a process that can rearrange folders inside the root while we run could race them;
 * the guard is against hostile keys, not hostile local users.
 *
 * Writes are atomic: a temporary file in the store's own work folder (same file system), fsync, then a rename
 * (replace), a hard link (create only if absent: the link fails when the name exists, whoever else is writing),
 * or, for compare-and-swap, a rename under a lock file that every process of this machine honours
 * (proper-lockfile; a lock left by a dead process goes stale after seconds). Temporary files carry their
 * owner's process id and start time, so `sweepTemporary` can remove those of a process that died mid-write.
 * Folders are S3-style "prefixes": created on write, removed on delete once empty.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Dirent, Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, realpath, rename, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import lockfile from 'proper-lockfile';
import { compareCodePoints } from './codepoint.js';
import { ABANDONED_AFTER_MS, ownerTag, removeLeftovers } from './process-owner.js';
import { decodeStateToken, encodeStateToken } from './state-token.js';
import {
  type ByteRange,
  checkMaxKeys,
  checkRange,
  type GetResult,
  type ListOptions,
  type ListPage,
  type ObjectInfo,
  type ObjectStorage,
  type PutBody,
  type PutOptions,
  type PutResult,
  StorageError,
} from './storage.js';

/** Names the store keeps for itself (its work folder; older temporary files): keys may not use it, listings hide it. */
const TEMP_PREFIX = '.~labmcp-';
/** The work folder under the root: `tmp/` (files being written) and `locks/`. */
const WORK_DIR = '.~labmcp-work';
/** A compare-and-swap holds its lock for milliseconds; one older than this was left by a dead process. */
const LOCK_STALE_MS = 10_000;

interface Child {
  name: string;
  path: string;
  isFolder: boolean;
  isLink: boolean;
}

interface WalkItem {
  key: string;
  /** An object's stats; undefined for a common prefix. */
  stats?: Stats;
}

export class LocalStorage implements ObjectStorage {
  readonly url: string;

  private constructor(
    /** Real path of the root folder. */
    readonly root: string,
  ) {
    this.url = pathToFileURL(root).href;
  }

  /** Opens (creating it unless `create: false`) the folder at the absolute path `root`. */
  static async open(root: string, options: { create?: boolean } = {}): Promise<LocalStorage> {
    if (!path.isAbsolute(root)) throw new StorageError('InvalidArgument', `The storage root must be an absolute path, got ${JSON.stringify(root)}`);
    if (options.create ?? true) await mkdir(root, { recursive: true });
    const real = await realpath(root).catch((err: unknown) => {
      throw new StorageError('NotFound', `The storage root ${root} does not exist`, { cause: err });
    });
    if (!(await stat(real)).isDirectory()) throw new StorageError('InvalidArgument', `The storage root ${root} is not a folder`);
    return new LocalStorage(real);
  }

  async get(key: string, options: { range?: ByteRange; signal?: AbortSignal } = {}): Promise<GetResult> {
    checkRange(options.range);
    const real = await this.resolveExisting(key);
    const handle = await open(real, 'r').catch((err: unknown) => {
      throw notFoundOr(err, key);
    });
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new StorageError('NotFound', `No object at ${JSON.stringify(key)} (it is a folder)`);
      const range = options.range;
      let start = 0;
      let end = stats.size - 1;
      if (range !== undefined) {
        if (range.offset >= stats.size) {
          throw new StorageError('InvalidRange', `Range offset ${range.offset} is beyond the ${stats.size}-byte object ${JSON.stringify(key)}`);
        }
        start = range.offset;
        if (range.length !== undefined) end = Math.min(end, start + range.length - 1);
      }
      const contentLength = end - start + 1;
      let body: Readable;
      if (contentLength === 0) {
        // createReadStream can't express an empty range.
        await handle.close();
        body = Readable.from([]);
      } else {
        body = handle.createReadStream({ start, end, autoClose: true });
      }
      if (options.signal !== undefined) addAbortSignal(options.signal, body);
      return { ...objectInfo(key, stats), body, contentLength };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    let real: string;
    try {
      real = await this.resolveExisting(key);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return undefined;
      throw err;
    }
    const stats = await stat(real);
    return stats.isFile() ? objectInfo(key, stats) : undefined;
  }

  async put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    const target = await this.prepareTarget(key);
    const temp = await this.writeTemp(key, body, options);
    await this.commitTemp(temp, target, (t) => rename(t, target));
    return { etag: etagOf(await stat(target)) };
  }

  async putIfAbsent(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult & { created: boolean }> {
    const target = await this.prepareTarget(key);
    if ((await lstatOrUndefined(target)) !== undefined) return { created: false };
    const temp = await this.writeTemp(key, body, options);
    let created = true;
    await this.commitTemp(temp, target, async (t) => {
      try {
        await link(t, target);
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        created = false;
      }
      await unlink(t);
    });
    return created ? { created, etag: etagOf(await stat(target)) } : { created };
  }

  async putIfMatch(key: string, body: PutBody, etag: string, options: PutOptions = {}): Promise<boolean> {
    const target = await this.prepareTarget(key);
    const temp = await this.writeTemp(key, body, options);
    let replaced = false;
    await this.commitTemp(temp, target, (t) =>
      this.withKeyLock(key, async () => {
        const current = await statOrUndefined(target);
        if (current?.isFile() && etagOf(current) === etag) {
          await rename(t, target);
          replaced = true;
        } else {
          await unlink(t);
        }
      }),
    );
    return replaced;
  }

  async deleteIfMatch(key: string, etag: string): Promise<boolean> {
    const target = path.join(this.root, ...keySegments(key));
    try {
      await this.assertInside(path.dirname(target), key);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return false;
      throw err;
    }
    const deleted = await this.withKeyLock(key, async () => {
      const current = await statOrUndefined(target);
      if (!current?.isFile() || etagOf(current) !== etag) return false;
      await unlink(target);
      return true;
    });
    if (deleted) await this.removeEmptyFolders(path.dirname(target));
    return deleted;
  }

  /** Every operation here is atomic across processes (hard links, renames, lock files). */
  conditionalWrites(): Promise<boolean> {
    return Promise.resolve(true);
  }

  /**
   * Removes temporary files left by processes of this machine that are no longer running (a write killed midway),
   * and any older than `maxAgeMs` (a process elsewhere sharing the folder). Returns how many it removed.
   */
  async sweepTemporary(maxAgeMs = ABANDONED_AFTER_MS): Promise<number> {
    return removeLeftovers(path.join(this.root, WORK_DIR, 'tmp'), '', maxAgeMs);
  }

  /** The real path a key is written at, its folders created and checked to lie inside the root. */
  private async prepareTarget(key: string): Promise<string> {
    const segments = keySegments(key);
    const name = segments[segments.length - 1] as string;
    const parent = await this.prepareParent(key, segments.slice(0, -1));
    const target = path.join(parent, name);
    const existing = await lstatOrUndefined(target);
    if (existing?.isSymbolicLink()) await this.assertInside(target, key);
    if (existing?.isDirectory()) throw new StorageError('InvalidKey', `Can't write ${JSON.stringify(key)}: a folder of that name has objects under it`);
    return target;
  }

  /** Writes the body to a new temporary file (synced to disk) and returns its path. */
  private async writeTemp(key: string, body: PutBody, options: PutOptions): Promise<string> {
    const dir = path.join(this.root, WORK_DIR, 'tmp');
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${ownerTag()}-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'wx');
    try {
      let written = 0;
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        await handle.write(bytes);
        written = bytes.length;
      } else {
        for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          await handle.write(bytes);
          written += bytes.length;
        }
      }
      if (options.size !== undefined && written !== options.size) {
        throw new StorageError('SizeMismatch', `Wrote ${written} bytes to ${JSON.stringify(key)} but ${options.size} were declared`);
      }
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    return temp;
  }

  /** Runs the step that moves a temporary file into place; the temporary file never outlives a failure. */
  private async commitTemp(temp: string, target: string, step: (temp: string) => Promise<void>): Promise<void> {
    try {
      await step(temp);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      if (isErrno(err, 'EXDEV'))
        throw new StorageError('InvalidArgument', `${target} is on another file system than the registry root ${this.root}`, { cause: err });
      throw err;
    }
  }

  private async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const dir = path.join(this.root, WORK_DIR, 'locks');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, createHash('sha256').update(key).digest('hex').slice(0, 40));
    const release = await lockfile.lock(file, {
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: { retries: 400, factor: 1.3, minTimeout: 2, maxTimeout: 50 },
      // The section it guards takes milliseconds; a lock "compromised" by a very slow machine is not a reason to crash.
      onCompromised: () => undefined,
    });
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async removeEmptyFolders(from: string): Promise<void> {
    // Emulate S3, where a prefix vanishes with its last object.
    for (let dir = from; dir !== this.root && dir.startsWith(this.root + path.sep); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const maxKeys = checkMaxKeys(options.maxKeys);
    if (options.delimiter !== undefined && options.delimiter !== '/') {
      throw new StorageError('InvalidArgument', `Only "/" is supported as a delimiter, got ${JSON.stringify(options.delimiter)}`);
    }
    const after = options.continuationToken === undefined ? undefined : decodeToken(options.continuationToken);
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1); // '' or 'a/b/'
    const namePrefix = prefix.slice(slash + 1);
    checkKeyChars(prefix);
    if (namePrefix === '..' || namePrefix === '.')
      throw new StorageError('PathEscape', `List prefix ${JSON.stringify(prefix)} ends in a "${namePrefix}" segment`);
    const dirSegments = dirKey === '' ? [] : keySegments(dirKey.slice(0, -1));
    const dir = path.join(this.root, ...dirSegments);
    try {
      await this.assertInside(dir, prefix);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return { objects: [], commonPrefixes: [] };
      throw err;
    }

    const page: ListPage = { objects: [], commonPrefixes: [] };
    let count = 0;
    let last = '';
    const walk = this.walk(dir, dirKey, namePrefix, options.delimiter === undefined, after);
    for await (const item of walk) {
      if (count === maxKeys) {
        page.nextContinuationToken = encodeToken(last);
        break;
      }
      if (item.stats === undefined) page.commonPrefixes.push(item.key);
      else page.objects.push(objectInfo(item.key, item.stats));
      last = item.key;
      count++;
    }
    return page;
  }

  async delete(key: string): Promise<void> {
    const segments = keySegments(key);
    const target = path.join(this.root, ...segments);
    const parent = path.dirname(target);
    try {
      await this.assertInside(parent, key);
    } catch (err) {
      if (err instanceof StorageError && err.code === 'NotFound') return;
      throw err;
    }
    const stats = await lstatOrUndefined(target);
    if (stats === undefined) return;
    if (stats.isSymbolicLink()) await this.assertInside(target, key);
    else if (!stats.isFile()) throw new StorageError('InvalidKey', `Can't delete ${JSON.stringify(key)}: it is a folder, not an object`);
    await unlink(target).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
    await this.removeEmptyFolders(parent);
  }

  presign(key: string, expiresSeconds: number, _method?: 'GET' | 'PUT'): Promise<string> {
    return Promise.reject(
      new StorageError('NotSupported', `Presigned URLs need S3; can't presign ${JSON.stringify(key)} for ${expiresSeconds} s in local storage ${this.url}`),
    );
  }

  /** Real path of an existing key, checked to be inside the root. */
  private async resolveExisting(key: string): Promise<string> {
    const target = path.join(this.root, ...keySegments(key));
    return this.assertInside(target, key);
  }

  private async assertInside(p: string, key: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(p);
    } catch (err) {
      throw notFoundOr(err, key);
    }
    if (real !== this.root && !real.startsWith(this.root + path.sep)) {
      throw new StorageError('PathEscape', `${JSON.stringify(key)} resolves outside the storage root`);
    }
    return real;
  }

  /**
   * Checks every existing ancestor of a key to be written, creates the missing ones, and returns the
   * real path of its folder.
   */
  private async prepareParent(key: string, dirSegments: string[]): Promise<string> {
    let dir = this.root;
    for (let k = 0; k < dirSegments.length; k++) {
      dir = path.join(dir, dirSegments[k] as string);
      const stats = await lstatOrUndefined(dir);
      if (stats === undefined) break; // mkdir below creates this and the rest as real folders
      if (stats.isSymbolicLink()) {
        const real = await this.assertInside(dir, key);
        if (!(await stat(real)).isDirectory()) throw conflict(key, dirSegments.slice(0, k + 1));
      } else if (!stats.isDirectory()) {
        throw conflict(key, dirSegments.slice(0, k + 1));
      }
    }
    const parent = path.join(this.root, ...dirSegments);
    await mkdir(parent, { recursive: true });
    return this.assertInside(parent, key);
  }

  /**
   * Items under `dir` in S3 key order (code point order, which is UTF-8 byte order): objects, and with
   * `recursive` false the sub-folders holding at least one object as common prefixes. Items at or
   * before `after` are skipped, with whole folders pruned when they sort entirely before it.
   */
  private async *walk(dir: string, dirKey: string, namePrefix: string, recursive: boolean, after: string | undefined): AsyncGenerator<WalkItem> {
    for (const child of await this.children(dir, namePrefix)) {
      const key = dirKey + child.name;
      if (!child.isFolder) {
        if (after !== undefined && compareCodePoints(key, after) <= 0) continue;
        // Stat only what is listed: a page of a large folder costs a page of stats.
        const stats = await this.objectStats(child);
        if (stats !== undefined) yield { key, stats };
        continue;
      }
      const sub = `${key}/`;
      if (!recursive) {
        if ((after === undefined || compareCodePoints(sub, after) > 0) && (await this.hasObject(child.path))) yield { key: sub };
      } else if (after === undefined || after.startsWith(sub) || compareCodePoints(sub, after) > 0) {
        yield* this.walk(child.path, sub, '', true, after);
      }
    }
  }

  private async hasObject(dir: string): Promise<boolean> {
    for (const child of await this.children(dir, '')) {
      if (child.isFolder ? await this.hasObject(child.path) : (await this.objectStats(child)) !== undefined) return true;
    }
    return false;
  }

  /**
   * A folder's candidate children, sorted as S3 would order their keys (a folder as "name/"). Symlinks
   * are candidates as files; `objectStats` decides whether they count.
   */
  private async children(dir: string, namePrefix: string): Promise<Child[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
      throw err;
    }
    const out: (Child & { sortKey: string })[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (!name.startsWith(namePrefix) || name.startsWith(TEMP_PREFIX) || !isValidSegment(name)) continue;
      const full = path.join(dir, name);
      if (entry.isDirectory()) out.push({ name, path: full, isFolder: true, isLink: false, sortKey: `${name}/` });
      else if (entry.isFile() || entry.isSymbolicLink()) out.push({ name, path: full, isFolder: false, isLink: entry.isSymbolicLink(), sortKey: name });
    }
    out.sort((a, b) => compareCodePoints(a.sortKey, b.sortKey));
    return out;
  }

  /** Stats of a listed file; a symlink counts only if it leads to a file inside the root. */
  private async objectStats(child: Child): Promise<Stats | undefined> {
    const stats = child.isLink ? await this.linkedFileStats(child.path) : await lstatOrUndefined(child.path);
    return stats?.isFile() ? stats : undefined;
  }

  private async linkedFileStats(link: string): Promise<Stats | undefined> {
    try {
      const real = await realpath(link);
      if (!real.startsWith(this.root + path.sep)) return undefined;
      return await stat(real);
    } catch {
      return undefined;
    }
  }
}

function keySegments(key: string): string[] {
  if (typeof key !== 'string' || key === '') throw new StorageError('InvalidKey', 'The key is empty');
  if (key.startsWith('/')) throw new StorageError('PathEscape', `${JSON.stringify(key)} is absolute; keys are relative to the storage root`);
  checkKeyChars(key);
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '..') throw new StorageError('PathEscape', `${JSON.stringify(key)} has a ".." segment`);
    if (segment === '' || segment === '.') throw new StorageError('InvalidKey', `${JSON.stringify(key)} has an empty or "." segment`);
    if (segment.startsWith(TEMP_PREFIX)) throw new StorageError('InvalidKey', `${JSON.stringify(key)} uses the reserved prefix ${TEMP_PREFIX}`);
  }
  return segments;
}

function checkKeyChars(key: string): void {
  if (key.includes('\0')) throw new StorageError('InvalidKey', 'Keys cannot contain NUL');
  if (key.includes('\\')) throw new StorageError('InvalidKey', `${JSON.stringify(key)} contains a backslash, which some systems read as a path separator`);
}

function isValidSegment(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('\\') && name.isWellFormed();
}

function conflict(key: string, existing: string[]): StorageError {
  return new StorageError('InvalidKey', `Can't write ${JSON.stringify(key)}: ${JSON.stringify(existing.join('/'))} is an object, not a folder`);
}

function objectInfo(key: string, stats: Stats): ObjectInfo {
  return { key, size: stats.size, lastModified: stats.mtime, etag: etagOf(stats) };
}

/**
 * Changes whenever the file is replaced or rewritten (inode, size, change and modification times to the
 * sub-millisecond), like a weak HTTP ETag; compare-and-swap relies on it, so a freed inode number that comes
 * back for a new file must not make an old ETag match again.
 */
function etagOf(stats: Stats): string {
  return `"${stats.ino.toString(16)}-${stats.size.toString(16)}-${stats.mtimeMs.toString(36)}-${stats.ctimeMs.toString(36)}"`;
}

function encodeToken(after: string): string {
  return encodeStateToken({ after });
}

function decodeToken(token: string): string {
  const after = decodeStateToken(token)?.after;
  if (typeof after === 'string') return after;
  throw new StorageError('InvalidArgument', 'Invalid continuation token');
}

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

function notFoundOr(err: unknown, key: string): unknown {
  if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'ELOOP')) {
    return new StorageError('NotFound', `No object at ${JSON.stringify(key)}`, { cause: err });
  }
  if (isErrno(err, 'EACCES') || isErrno(err, 'EPERM')) return new StorageError('AccessDenied', `Permission denied for ${JSON.stringify(key)}`, { cause: err });
  return err;
}
