import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger, fingerprint } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

t.test('secrets in headers and known fields are redacted', async (t) => {
  const { lines, stream } = capture();
  const log = createLogger('test-svc', 'info', stream);
  log.info({ req: { headers: { authorization: 'Bearer eyJSECRET', 'x-benchling-api-key': 'sk_SECRETKEY', cookie: 'c=SECRETCOOKIE', accept: 'application/json' } } }, 'r');
  log.info({ apiKey: 'sk_SECRET2', token: 'tok_SECRET3', nested: { secretAccessKey: 'AWSSECRET', sessionToken: 'SESSIONSECRET' } }, 'f');
  const out = lines.join('');
  for (const secret of ['eyJSECRET', 'sk_SECRETKEY', 'SECRETCOOKIE', 'sk_SECRET2', 'tok_SECRET3', 'AWSSECRET', 'SESSIONSECRET']) {
    t.notOk(out.includes(secret), `${secret} not logged`);
  }
  t.match(out, /application\/json/, 'harmless headers stay');
  const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  t.equal(first.service, 'test-svc');
  t.equal(first.level, 'info');
});

t.test('fingerprints are stable, short and not the secret', async (t) => {
  t.equal(fingerprint('abc'), fingerprint('abc'));
  t.not(fingerprint('abc'), fingerprint('abd'));
  t.equal(fingerprint('sk_live_123').length, 12);
});
