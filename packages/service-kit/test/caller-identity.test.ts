import { createHash } from 'node:crypto';
import t from 'tap';
import { mintDemoToken } from '../src/auth/index.js';
import { benchlingKeyFrom, benchlingKeyOf, benchlingKeyUserId, unverifiedUserId } from '../src/caller-identity.js';

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

t.test('benchlingKeyOf: the X-Benchling-API-Key value first, else the user name of Basic credentials', async (t) => {
  t.equal(benchlingKeyOf(' sk_direct ', b64('sk_basic:')), 'sk_direct', 'the header wins, trimmed');
  t.equal(benchlingKeyOf(['sk_first', 'sk_second'], undefined), 'sk_first', 'a repeated header: its first value');
  t.equal(benchlingKeyOf('  ', b64('sk_basic:')), 'sk_basic', 'a blank header: the Basic credentials');
  t.equal(benchlingKeyOf(undefined, b64(' sk_basic :ignored-password')), 'sk_basic', 'the user name, trimmed; the password is not the key');
  t.equal(benchlingKeyOf(undefined, b64('sk_no_colon')), 'sk_no_colon', 'no colon: all of it');
  t.equal(benchlingKeyOf(undefined, b64(':password')), undefined, 'an empty user name is no key');
  t.equal(benchlingKeyOf(undefined, ''), undefined);
  t.equal(benchlingKeyOf(undefined, undefined), undefined);
});

t.test('benchlingKeyFrom takes only base64 text as Basic credentials; anything else is no key', async (t) => {
  const basic = b64('sk_basic:');
  t.equal(benchlingKeyFrom({ authorization: `basic   ${basic}  ` }), 'sk_basic', 'the scheme in any case, any spacing');
  t.equal(benchlingKeyFrom({ authorization: `Basic ${basic}!` }), undefined, 'a character outside base64');
  t.equal(benchlingKeyFrom({ authorization: `Basic ${basic.slice(0, 4)} ${basic.slice(4)}` }), undefined, 'a space inside the credentials');
  t.equal(benchlingKeyFrom({ authorization: `Bearer ${basic}` }), undefined, 'another scheme');
});

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}
