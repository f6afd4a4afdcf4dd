// A commit whose move of `latest` reached S3 but whose answer was lost on the way back: the AWS SDK sends the
// conditional PUT again, which S3 refuses (412: the ETag is ours now). commitRevision must see its own revision in
// `latest` and report the commit, not a conflict, and keep its timestamp pointer. Real moto_server behind a real
// HTTP hop that forwards everything and, once, drops the answer to that PUT after moto has applied it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import t from 'tap';
import { freePort } from '../../../../scripts/lib/launcher.js';
import { openRegistry } from '../../src/quilt/index.js';
import { MOTO_CREDENTIALS, motoMissing, startMoto } from '../helpers/moto.js';

if (motoMissing) {
  t.plan(0, motoMissing);
  process.exit(0);
}

const BUCKET = 'lost-answers';
const moto = await startMoto(await freePort(), [BUCKET]);
t.teardown(() => moto.close());
const upstream = new URL(moto.endpoint);

/** PUTs of `latest` seen, and whether the next conditional one gets its answer dropped. */
const seen = { latestPuts: 0, dropped: 0, dropNext: false };
const hop = createServer((req, res) => {
  const isLatestMove = req.method === 'PUT' && (req.url ?? '').split('?')[0]!.endsWith('/latest') && req.headers['if-match'] !== undefined;
  if (isLatestMove) seen.latestPuts++;
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    if (isLatestMove && seen.dropNext && answer.statusCode === 200) {
      // Applied by the server; the client never hears of it.
      seen.dropNext = false;
      seen.dropped++;
      answer.resume();
      answer.on('end', () => req.socket.destroy());
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
});
await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => hop.close(() => resolve())));

// The SDK's own retries, as quilt-mcp's clients have them (a lost answer is a transient error).
const client = new S3Client({
  endpoint: `http://127.0.0.1:${(hop.address() as AddressInfo).port}`,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: MOTO_CREDENTIALS,
  maxAttempts: 3,
});
t.teardown(() => client.destroy());
const registry = await openRegistry(`s3://${BUCKET}`, { s3Client: client });

const entry = (key: string) => ({
  entry: { logical_key: key, physical_keys: [`s3://${BUCKET}/data/${key}`], size: 1, hash: { type: 'SHA256' as const, value: '0'.repeat(64) }, meta: {} },
});

t.test('a move of latest whose answer is lost is the commit it was, not a conflict', async (t) => {
  const base = await registry.pushRevision('lab/lost', { version: 'v0', message: 'base' }, [entry('a.txt')]);
  const next = await registry.spoolManifest({ version: 'v0', message: 'next' }, [entry('a.txt'), entry('b.txt')]);
  try {
    await next.store();
    seen.dropNext = true;
    const before = seen.latestPuts;
    const committed = await registry.commitRevision('lab/lost', next.topHash, { kind: 'latest', topHash: base.topHash });
    t.equal(seen.dropped, 1, 'the answer to the move of latest was dropped once');
    t.ok(seen.latestPuts - before >= 2, `and the SDK sent the move again (${seen.latestPuts - before} PUTs of latest)`);
    t.equal(await registry.resolveRevision('lab/lost', 'latest'), next.topHash, 'latest is the new revision');
    const { revisions } = await registry.listRevisions('lab/lost');
    t.ok(
      revisions.some((r) => r.timestamp === committed.timestamp && r.topHash === next.topHash),
      'its timestamp pointer is kept, as reported',
    );
  } finally {
    await next.dispose();
  }
});
