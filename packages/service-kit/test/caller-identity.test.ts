import { createHash } from 'node:crypto';
import t from 'tap';
import { mintDemoToken } from '../src/auth/index.js';
import { benchlingKeyFrom, benchlingKeyUserId, unverifiedUserId } from '../src/caller-identity.js';

const fp = (key: string) => `key:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;

t.test('a Bearer JWT: its user claim, as the servers read it', async (t) => {
  const dataDir = t.testdir();
  const token = await mintDemoToken({ dataDir, subject: 'alice@example.com' });
  t.equal(unverifiedUserId({ authorization: `Bearer ${token}` }), 'alice@example.com');
  const unsigned = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  t.equal(unverifiedUserId({ authorization: `bearer ${unsigned({ user_id: 42 })}` }), '42', 'user_id, and an integer id');
  t.equal(unverifiedUserId({ authorization: `Bearer ${unsigned({ scope: 'x' })}` }), undefined, 'a token naming nobody names nobody');
  t.equal(unverifiedUserId({ authorization: 'Bearer not-a-jwt' }), undefined);
  t.equal(unverifiedUserId({ authorization: 'Bearer a.!!!.c' }), undefined);
});

t.test('a Benchling key: the fingerprint benchling-mcp names its owner by, never the key', async (t) => {
  t.equal(unverifiedUserId({ 'x-benchling-api-key': ' sandbox-key-alice ' }), fp('sandbox-key-alice'));
  const basic = `Basic ${Buffer.from('sandbox-key-bob:').toString('base64')}`;
  t.equal(benchlingKeyFrom({ authorization: basic }), 'sandbox-key-bob');
  t.equal(unverifiedUserId({ authorization: basic }), fp('sandbox-key-bob'));
  t.equal(benchlingKeyUserId('k'), fp('k'));
  t.equal(unverifiedUserId({}), undefined, 'nothing for no credential');
});
