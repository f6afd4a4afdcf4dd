/**
 * Issue 16: quilt-mcp loads the YAML parser (`yaml`) and the JSON Schema compiler (`ajv`) only when a registry's
 * workflows config is first read, not at start (most registries have none). The real server, with a loader hook that
 * writes down every module it loads: neither at start nor after a workflows_list of a registry without a config;
 * `yaml` once a config is read, `ajv` once a workflow's metadata schema is checked, and both then work (a bad
 * metadata refused by the schema, a good one accepted).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { FIXTURES } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { createModuleProbe } from '../helpers/module-probe.js';
import { localQuilt, ok, refused } from '../helpers/quilt-tools.js';

const probe = createModuleProbe(t);
const modulesOf = (pkg: string) => probe.loaded('quilt').filter((where) => new RegExp(`[/\\\\]node_modules[/\\\\]${pkg}[/\\\\]`).test(where));

t.test('yaml and ajv are loaded on first use of a workflows config, and work', async (t) => {
  const { target } = await localQuilt(t, probe.env('quilt'));
  const [client] = target.clients;
  if (!client) throw new Error('no client');

  t.ok(
    probe.loaded('quilt').some((where) => where.includes('/quilt-mcp/dist/registry/workflow-config.js')),
    'the probe sees the workflows module itself',
  );
  t.same(modulesOf('yaml'), [], 'no yaml at start');
  t.same(modulesOf('ajv'), [], 'no ajv at start');

  t.match(await ok(client, 'workflows_list', {}), { config: null, workflows: [] });
  t.same(modulesOf('yaml'), [], 'a registry without a workflows config loads no yaml');

  await target.put('schemas/superheroes.schema.json', readFileSync(path.join(FIXTURES, 'workflows', 'superheroes.schema.json'), 'utf8'));
  await target.put(
    '.quilt/workflows/config.yml',
    `version: "1"\nworkflows:\n  beta:\n    name: Beta\n    metadata_schema: superheroes\nschemas:\n  superheroes:\n    url: ${target.prefix}/schemas/superheroes.schema.json\n`,
  );
  const listed = await ok(client, 'workflows_list', {});
  t.same(
    listed.workflows.map((w: { id: string }) => w.id),
    ['beta'],
    'the config is read',
  );
  t.not(modulesOf('yaml').length, 0, 'yaml is loaded once a config is read');
  t.same(modulesOf('ajv'), [], 'ajv not yet: no schema was checked');

  const entries = [{ logical_key: 'data.txt', text: 'x' }];
  t.match(
    await refused(client, 'package_create', { package: 'lazy/beta', workflow: 'beta', entries }),
    /metadata_schema "superheroes": package metadata \(meta\) failed validation: must have required property 'superhero'/,
  );
  t.not(modulesOf('ajv').length, 0, 'ajv is loaded once a schema is checked');
  const made = await ok(client, 'package_create', { package: 'lazy/beta', workflow: 'beta', entries, meta: { superhero: 'Batman' } });
  t.match(made, { package: 'lazy/beta', workflow: { id: 'beta' } });
});
