import t from 'tap';
import { bearerTokenFrom } from '../../src/auth/index.js';

t.test('bearerTokenFrom', async (t) => {
  t.equal(bearerTokenFrom('Bearer abc.def.ghi'), 'abc.def.ghi');
  t.equal(bearerTokenFrom('bearer abc.def.ghi'), 'abc.def.ghi', 'scheme is case-insensitive');
  t.equal(bearerTokenFrom('BEARER   abc.def.ghi  '), 'abc.def.ghi', 'trimmed');
  t.equal(bearerTokenFrom('  Bearer\tabc.def.ghi'), 'abc.def.ghi');
  t.equal(bearerTokenFrom(['Bearer first.token.x', 'Bearer second.token.y']), 'first.token.x');
  t.equal(bearerTokenFrom(undefined), undefined);
  t.equal(bearerTokenFrom(''), undefined);
  t.equal(bearerTokenFrom('Bearer'), undefined, 'no token');
  t.equal(bearerTokenFrom('Bearer    '), undefined, 'empty token');
  t.equal(bearerTokenFrom('Basic dXNlcjpwYXNz'), undefined, 'Basic belongs to Benchling');
  t.equal(bearerTokenFrom('Bearerabc.def.ghi'), undefined, 'scheme must be followed by whitespace');
  t.equal(bearerTokenFrom('Token abc'), undefined);
  // A token of the wrong shape is passed on; the verifier refuses it as `malformed`.
  t.equal(bearerTokenFrom('Bearer a b'), 'a b');
});
