// Who sees a service's /health details and /metrics (ops-access.ts): the rule each server applies by default, the
// token check the router shares, and the header by which a proxy in front lowers access.
import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { hostName, isLoopbackAddress, loopbackOrTokenAccess, namesOnlyThisMachine, opsAccessOf, opsTokenCheck } from '../src/ops-access.js';

const TOKEN = 'an-operations-token-of-32-characters';

function request(remoteAddress: string | undefined, headers: Record<string, string> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

t.test('loopback addresses, and only those', async (t) => {
  for (const address of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) t.ok(isLoopbackAddress(address), address);
  for (const address of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '1127.0.0.1', undefined]) {
    t.notOk(isLoopbackAddress(address), String(address));
  }
});

t.test('the host a request names: only no Host, localhost or an IP address name this machine and nothing else', async (t) => {
  for (const host of [undefined, 'localhost', 'LOCALHOST:3000', '127.0.0.1:3000', '127.0.0.1', '[::1]:3000', '[::1]', '192.0.2.2:3000', '[fd00::2]:80']) {
    t.ok(namesOnlyThisMachine(host), String(host));
  }
  for (const host of ['rebound.example:3000', 'rebound.example', 'localhost.rebound.example', 'quilt-mcp:3000', '127.0.0.1.rebound.example', '', ':3000']) {
    t.notOk(namesOnlyThisMachine(host), JSON.stringify(host));
  }
  t.equal(hostName(' Quilt.Example:443 '), 'quilt.example');
  t.equal(hostName('[::1]:8080'), '[::1]');
});

t.test('the operations token: presented as a bearer token, exactly', async (t) => {
  const presents = opsTokenCheck(TOKEN);
  t.ok(presents(request('192.0.2.9', { authorization: `Bearer ${TOKEN}` })));
  t.ok(presents(request('192.0.2.9', { authorization: `bearer  ${TOKEN} ` })), 'the scheme is case-insensitive, spaces around are allowed');
  for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ', `Bearer ${TOKEN} extra`]) {
    t.notOk(presents(request('192.0.2.9', { authorization })), authorization);
  }
  t.notOk(presents(request('192.0.2.9')), 'no Authorization');
  t.notOk(opsTokenCheck(undefined)(request('192.0.2.9', { authorization: 'Bearer undefined' })), 'no token configured: nobody presents it');
});

t.test("a server's rule: everything from loopback or with the token, the status only from anyone else", async (t) => {
  const withToken = loopbackOrTokenAccess(TOKEN);
  t.equal(withToken(request('127.0.0.1')), 'full');
  t.equal(withToken(request('::1')), 'full');
  t.equal(withToken(request('192.0.2.9')), 'status');
  t.equal(withToken(request('192.0.2.9', { authorization: `Bearer ${TOKEN}` })), 'full');
  t.equal(withToken(request('192.0.2.9', { authorization: 'Bearer a-guess-of-the-operations-token' })), 'status');
  t.equal(withToken(request(undefined)), 'status', 'a socket already gone: no address, no details');
  // A page that rebinds its DNS name to 127.0.0.1 reaches the loopback port from the user's browser, naming itself.
  t.equal(withToken(request('127.0.0.1', { host: 'rebound.example:3000' })), 'status', 'from loopback, naming another host: the status only');
  t.equal(withToken(request('127.0.0.1', { host: 'localhost:3000' })), 'full');
  t.equal(withToken(request('127.0.0.1', { host: '127.0.0.1:3000' })), 'full');
  t.equal(withToken(request('192.0.2.9', { host: 'quilt-mcp:3000', authorization: `Bearer ${TOKEN}` })), 'full', 'the token, whatever the host');
  const withoutToken = loopbackOrTokenAccess(undefined);
  t.equal(withoutToken(request('127.0.0.1')), 'full');
  t.equal(withoutToken(request('192.0.2.9', { authorization: `Bearer ${TOKEN}` })), 'status');
});

t.test('X-Labmcp-Ops-Access lowers access, never raises it', async (t) => {
  const asking = (value: string) => request('127.0.0.1', { 'x-labmcp-ops-access': value });
  t.equal(opsAccessOf(asking('status'), 'full'), 'status');
  t.equal(opsAccessOf(asking('refused'), 'full'), 'refused');
  t.equal(opsAccessOf(asking('refused'), 'status'), 'refused');
  t.equal(opsAccessOf(asking('full'), 'status'), 'status');
  t.equal(opsAccessOf(asking('status'), 'refused'), 'refused');
  t.equal(opsAccessOf(asking('anything'), 'full'), 'full');
  t.equal(opsAccessOf(request('127.0.0.1'), 'status'), 'status');
});
