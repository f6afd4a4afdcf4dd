import type { IncomingHttpHeaders } from 'node:http';
import t from 'tap';
import { forwardsBearerToBenchling, prepareUpstreamHeaders } from '../src/credentials.js';

const basic = `Basic ${Buffer.from('sk_key:').toString('base64')}`;

function headers(extra: IncomingHttpHeaders): IncomingHttpHeaders {
  return { host: 'x', accept: 'application/json', ...extra };
}

t.test('quilt-mcp never receives a Benchling credential', async (t) => {
  const h = headers({ 'x-benchling-api-key': 'sk_key', authorization: basic });
  prepareUpstreamHeaders('quilt-mcp', h, { forwardBearerToBenchling: true });
  t.equal(h['x-benchling-api-key'], undefined);
  t.equal(h.authorization, undefined);
  const bearer = headers({ authorization: 'Bearer jwt' });
  prepareUpstreamHeaders('quilt-mcp', bearer, { forwardBearerToBenchling: false });
  t.equal(bearer.authorization, 'Bearer jwt', 'its own JWT passes');
});

t.test('benchling-mcp gets the JWT only when its key mode needs it', async (t) => {
  const user = headers({ authorization: 'Bearer jwt', 'x-benchling-api-key': 'sk_key' });
  prepareUpstreamHeaders('benchling-mcp', user, { forwardBearerToBenchling: false });
  t.equal(user.authorization, undefined);
  t.equal(user['x-benchling-api-key'], 'sk_key');
  const service = headers({ authorization: 'Bearer jwt' });
  prepareUpstreamHeaders('benchling-mcp', service, { forwardBearerToBenchling: true });
  t.equal(service.authorization, 'Bearer jwt');
  const basicKey = headers({ authorization: basic });
  prepareUpstreamHeaders('benchling-mcp', basicKey, { forwardBearerToBenchling: false });
  t.equal(basicKey.authorization, basic, 'a Basic Benchling key passes');
});

t.test('every key mode but user forwards the JWT, unless ROUTER_FORWARD_JWT_TO_BENCHLING says otherwise', async (t) => {
  const forwards = (mode: string, override: 'auto' | 'always' | 'never' = 'auto') =>
    forwardsBearerToBenchling({ BENCHLING_KEY_MODE: mode, ROUTER_FORWARD_JWT_TO_BENCHLING: override });
  t.equal(forwards('user'), false);
  for (const mode of ['service', 'either', 'vault', 'user-or-vault']) t.equal(forwards(mode), true, mode);
  t.equal(forwards('vault', 'never'), false);
  t.equal(forwards('user', 'always'), true);
});

t.test('hop-by-hop headers and those named in Connection are dropped', async (t) => {
  const h = headers({
    connection: 'keep-alive, x-private-hop',
    'keep-alive': 'timeout=5',
    'x-private-hop': '1',
    te: 'trailers',
    upgrade: 'h2c',
    'proxy-authorization': 'Basic x',
    'proxy-connection': 'keep-alive',
    cookie: 'a=b',
  });
  prepareUpstreamHeaders('quilt-mcp', h, { forwardBearerToBenchling: false });
  for (const name of ['connection', 'keep-alive', 'x-private-hop', 'te', 'upgrade', 'proxy-authorization', 'proxy-connection', 'cookie'])
    t.equal(h[name], undefined, name);
  t.equal(h.accept, 'application/json');
});
