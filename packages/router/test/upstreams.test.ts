import t from 'tap';
import { matchUpstream, upstreamsFrom } from '../src/upstreams.js';

const upstreams = upstreamsFrom({ QUILT_MCP_PORT: 3000, BENCHLING_MCP_PORT: 3001 });

t.test('prefixes route and are stripped', async (t) => {
  t.match(matchUpstream(upstreams, '/quilt/mcp'), { upstream: { service: 'quilt-mcp' }, path: '/mcp' });
  t.match(matchUpstream(upstreams, '/benchling/health'), { upstream: { service: 'benchling-mcp' }, path: '/health' });
  t.match(matchUpstream(upstreams, '/quilt'), { path: '/' });
  t.match(matchUpstream(upstreams, '/quilt?x=1'), { path: '/?x=1' });
  t.match(matchUpstream(upstreams, '/quilt/mcp?a=b'), { path: '/mcp?a=b' });
});

t.test('look-alike and unknown prefixes do not route', async (t) => {
  for (const url of ['/quiltx/mcp', '/', '/benchlingmcp', '/other/mcp', '/QUILT/mcp']) t.equal(matchUpstream(upstreams, url), undefined, url);
});

t.test('upstream URLs may be overridden', async (t) => {
  const [q] = upstreamsFrom({ QUILT_MCP_PORT: 1, BENCHLING_MCP_PORT: 2, QUILT_MCP_UPSTREAM: 'http://quilt.internal:9000' });
  t.equal(q?.target.href, 'http://quilt.internal:9000/');
});
