import { createHash, createHmac } from 'node:crypto';
import { Registry } from 'prom-client';
import t from 'tap';
import { UserOperations } from '../src/user-operations.js';

async function series(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name) as unknown as { values: { labels: Record<string, string>; value: number }[] };
  return metric.values;
}

t.test('hashed by default, bounded, the rest "other"', async (t) => {
  const registry = new Registry();
  const ops = new UserOperations(registry, { maxUsers: 2, mode: 'hash' });
  for (const user of ['a', 'b', 'c', 'a', 'd']) ops.tool('package_get', user, 'ok');
  const hashed = (id: string) => `u${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
  const values = await series(registry, 'labmcp_user_operations_total');
  t.same(Object.fromEntries(values.map((v) => [v.labels.user, v.value])), { [hashed('a')]: 2, [hashed('b')]: 1, other: 2 });
  t.equal(ops.userLabel('c'), 'other', 'a user past the bound stays "other"');
  t.equal(ops.userLabel('b'), hashed('b'), 'a user within it keeps its label');
});

t.test('a hash key makes the labels an HMAC', async (t) => {
  const ops = new UserOperations(new Registry(), { maxUsers: 10, mode: 'hash', hashKey: 'k'.repeat(16) });
  t.equal(ops.userLabel('alice'), `u${createHmac('sha256', 'k'.repeat(16)).update('alice').digest('hex').slice(0, 16)}`);
});

t.test('ids as they are, or no users at all', async (t) => {
  t.equal(new UserOperations(new Registry(), { maxUsers: 10, mode: 'id' }).userLabel('alice@example.com'), 'alice@example.com');
  t.equal(new UserOperations(new Registry(), { maxUsers: 10, mode: 'none' }).userLabel('alice@example.com'), 'other');
  t.equal(new UserOperations(new Registry(), { maxUsers: 0, mode: 'id' }).userLabel('alice@example.com'), 'other');
});

t.test('workflows are counted per user with the same bound', async (t) => {
  const registry = new Registry();
  const ops = new UserOperations(registry, { maxUsers: 1, mode: 'id' });
  ops.workflow('benchling_entry_to_quilt_package', 'alice', 'ok');
  ops.workflow('benchling_entry_to_quilt_package', 'bob', 'error');
  const values = await series(registry, 'labmcp_user_workflows_total');
  t.same(
    values.map((v) => v.labels),
    [
      { workflow: 'benchling_entry_to_quilt_package', user: 'alice', outcome: 'ok' },
      { workflow: 'benchling_entry_to_quilt_package', user: 'other', outcome: 'error' },
    ],
  );
});
