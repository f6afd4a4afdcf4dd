/**
 * moto_server (moto, a Python program, not an npm package) on 127.0.0.1: an S3-compatible server that, unlike
 * s3rver, implements conditional writes (If-None-Match / If-Match answer 412) and bucket versioning, which the
 * write protocol of issue #13 relies on. Where it is not installed, `motoMissing` says so and the tests that need
 * it are skipped with that message. Also the S3 object helpers the write tests use on any S3 endpoint (this
 * package's @aws-sdk/client-s3; the root test folder has none of its own).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { s3Client } from './s3-fixture.js';

/** moto_server on the PATH, or where pyenv puts it (a CI shell may not have pyenv's shims on its PATH). */
const motoServer: string | undefined = [
  spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).stdout.trim(),
  `${process.env.HOME ?? '/root'}/.pyenv/shims/moto_server`,
].find((p) => p !== '' && existsSync(p));

/**
 * moto_server answers each request on a thread of its own and checks a conditional write (If-None-Match, If-Match)
 * apart from the write itself, so two writers racing for one key can both win, which S3 never lets happen (seen in
 * CI: two quilt-mcp instances both claimed one revision pointer). The write protocol's tests need S3's atomicity,
 * so moto's own app is served here with one request handled at a time, through the Python moto_server runs on (the
 * `python3` beside it, as pyenv installs it). Without that Python, moto_server as it is.
 */
const SERIAL_MOTO = `
import os, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
os.environ.setdefault("MOTO_PORT", sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()
def serial(environ, start_response):
    with one_at_a_time:
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()
run_simple(sys.argv[1], int(sys.argv[2]), serial, threaded=True)
`;
const motoPython: string | undefined = (() => {
  if (motoServer === undefined) return undefined;
  const python = path.join(path.dirname(motoServer), 'python3');
  if (!existsSync(python)) return undefined;
  const probe = spawnSync(python, ['-c', 'import moto.moto_server.werkzeug_app, werkzeug.serving'], { encoding: 'utf8' });
  return probe.status === 0 ? python : undefined;
})();

/** Why moto tests are skipped here, or false when moto_server is installed. */
export const motoMissing: string | false =
  motoServer !== undefined ? false : 'moto_server is not installed (pip install "moto[server]"): S3 conditional-write and versioning tests skipped';

/** Any key pair works with moto; the callers' tokens carry this one. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  endpoint: string;
  client: S3Client;
  close: () => Promise<void>;
}

/** Starts moto_server on `port` and creates `buckets` (those in `versioned` with versioning Enabled). */
export async function startMoto(port: number, buckets: string[], versioned: string[] = []): Promise<Moto> {
  const child = motoPython
    ? spawn(motoPython, ['-c', SERIAL_MOTO, '127.0.0.1', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(motoServer ?? 'moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // Kept for the error message when moto fails to start; bounded.
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const endpoint = `http://127.0.0.1:${port}`;
  // Python's start takes a few seconds; bounded by 30 s.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const client = s3Client(endpoint, MOTO_CREDENTIALS);
  try {
    for (const bucket of buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const bucket of versioned) await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await close();
    },
  };
}

/** The objects of one bucket, read and written directly (not through quilt-mcp). */
export interface BucketObjects {
  put: (key: string, body: string | Buffer) => Promise<void>;
  /** An object's bytes, undefined when there is none. */
  get: (key: string) => Promise<Buffer | undefined>;
  /** Every key of the bucket with a fingerprint (size, ETag, time): equal maps mean nothing was written. */
  listAll: () => Promise<Map<string, string>>;
  /**
   * Every version and delete marker of every key (a versioned bucket keeps what was written and removed since):
   * equal maps mean nothing was written, not even something written and removed again.
   */
  listAllVersions: () => Promise<Map<string, string>>;
}

export function bucketObjects(client: S3Client, bucket: string): BucketObjects {
  return {
    put: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    get: async (key) => {
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await (got.Body as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray());
      } catch (err) {
        if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404)) return undefined;
        throw err;
      }
    },
    listAll: async () => {
      const all = new Map<string, string>();
      let token: string | undefined;
      // Bounded: 200 pages of 1000 keys is far more than any test bucket holds.
      for (let page = 0; page < 200; page++) {
        const out: ListObjectsV2CommandOutput = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of out.Contents ?? []) all.set(o.Key as string, `${o.Size} ${o.ETag} ${o.LastModified?.toISOString()}`);
        token = out.NextContinuationToken;
        if (!out.IsTruncated || !token) break;
      }
      return all;
    },
    listAllVersions: async () => {
      const all = new Map<string, string>();
      let keyMarker: string | undefined;
      let versionMarker: string | undefined;
      // Bounded as listAll is.
      for (let page = 0; page < 200; page++) {
        const out: ListObjectVersionsCommandOutput = await client.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
        for (const v of out.Versions ?? []) all.set(`${v.Key} ${v.VersionId}`, `${v.Size} ${v.ETag} ${v.LastModified?.toISOString()} latest=${v.IsLatest}`);
        for (const m of out.DeleteMarkers ?? []) all.set(`${m.Key} ${m.VersionId}`, `delete marker ${m.LastModified?.toISOString()} latest=${m.IsLatest}`);
        keyMarker = out.NextKeyMarker;
        versionMarker = out.NextVersionIdMarker;
        if (!out.IsTruncated) break;
      }
      return all;
    },
  };
}
