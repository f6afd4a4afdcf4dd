// Per-user operation metrics through the real bundle: tool calls of both servers counted per user and tool, the
// user label hashed and bounded (LABMCP_METRICS_USERS), Benchling users known by JWT subject or key fingerprint
// and never by the key itself.
import { createHash } from 'node:crypto';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { startBundle } from '../helpers/bundle.js';
import { connectModern } from '../helpers/mcp-clients.js';

const bundle = await startBundle({
  env: { LABMCP_METRICS_USERS: '2', BENCHLING_KEY_MODE: 'either', BENCHLING_API_KEY: 'sandbox-key-carol' },
});
t.teardown(() => bundle.stop());

const userLabel = (id: string) => `u${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
const keyFingerprint = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);
const token = (subject: string) => mintDemoToken({ dataDir: bundle.dataDir, subject, scopes: ['read:packages'] });

async function scrape(): Promise<string> {
  const res = await fetch(`${bundle.routerUrl}/metrics`);
  t.equal(res.status, 200);
  return res.text();
}

/** The value of one series of labmcp_user_operations_total, 0 when absent. */
function operations(page: string, labels: { service: string; tool: string; user: string; outcome?: string }): number {
  const { service, tool, user, outcome = 'ok' } = labels;
  const line = page
    .split('\n')
    .find(
      (l) =>
        l.startsWith('labmcp_user_operations_total{') &&
        l.includes(`tool="${tool}"`) &&
        l.includes(`user="${user}"`) &&
        l.includes(`outcome="${outcome}"`) &&
        l.includes(`service="${service}"`),
    );
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

t.test('Quilt tool calls are counted per user and tool; users past the bound are "other"', async (t) => {
  for (const [subject, calls] of [
    ['alice@example.com', 2],
    ['bob@example.com', 1],
    ['carol@example.com', 3],
    ['dave@example.com', 1],
  ] as const) {
    const client = await connectModern(`${bundle.routerUrl}/quilt/mcp`, { authorization: `Bearer ${await token(subject)}` });
    for (let i = 0; i < calls; i++) t.notOk((await client.callTool('registries_list')).isError);
    await client.close();
  }
  const page = await scrape();
  t.equal(operations(page, { service: 'quilt-mcp', tool: 'registries_list', user: userLabel('alice@example.com') }), 2, 'alice, hashed');
  t.equal(operations(page, { service: 'quilt-mcp', tool: 'registries_list', user: userLabel('bob@example.com') }), 1, 'bob, hashed');
  t.equal(operations(page, { service: 'quilt-mcp', tool: 'registries_list', user: 'other' }), 4, 'carol and dave, past the bound of 2, are "other"');
  t.notMatch(page, /example\.com/, 'no user id in the metrics');
  const quiltUsers = new Set(
    page
      .split('\n')
      .filter((l) => l.startsWith('labmcp_user_operations_total{') && l.includes('service="quilt-mcp"'))
      .map((l) => /user="([^"]+)"/.exec(l)?.[1]),
  );
  t.equal(quiltUsers.size, 3, 'two users and "other": the bound holds');
});

t.test('Benchling tool calls are counted per user: the key fingerprint for a key, the JWT subject for the service key', async (t) => {
  const withKey = await connectModern(`${bundle.routerUrl}/benchling/mcp`, { 'x-benchling-api-key': 'sandbox-key-alice' });
  t.notOk((await withKey.callTool('projects_list', {})).isError);
  t.notOk((await withKey.callTool('projects_list', {})).isError);
  // A call the tool answers with an error of the caller's (no such entry) is counted as such.
  t.ok((await withKey.callTool('entry_get', { entry_id: 'etr_doesnotexist' })).isError);
  await withKey.close();
  const withJwt = await connectModern(`${bundle.routerUrl}/benchling/mcp`, { authorization: `Bearer ${await token('erin@example.com')}` });
  t.notOk((await withJwt.callTool('projects_list', {})).isError);
  await withJwt.close();

  const page = await scrape();
  const keyUser = userLabel(`key:${keyFingerprint('sandbox-key-alice')}`);
  t.equal(operations(page, { service: 'benchling-mcp', tool: 'projects_list', user: keyUser }), 2, 'the key user, by fingerprint');
  t.equal(operations(page, { service: 'benchling-mcp', tool: 'entry_get', user: keyUser, outcome: 'user_error' }), 1, 'with its failed call');
  t.equal(operations(page, { service: 'benchling-mcp', tool: 'projects_list', user: userLabel('erin@example.com') }), 1, 'the JWT user, by subject');
  t.notMatch(page, /sandbox-key-/, 'no key in the metrics');
  t.notMatch(bundle.logs(), /sandbox-key-alice/, 'no key in the logs');
});
