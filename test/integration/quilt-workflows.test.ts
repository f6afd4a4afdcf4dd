/**
 * Issue 18, workflows: quilt3's `.quilt/workflows/config.yml` rules through real quilt-mcp processes and the
 * official MCP clients, on the local registry and on moto_server, with the configs and schemas of quilt3's
 * documentation (fixtures/workflows): no config, a named workflow, the default, is_workflow_required,
 * is_message_required, metadata_schema, entries_schema, handle_pattern, an invalid config; refusals name the rule
 * and the field; the manifest header carries `workflow: {id, config[, schemas]}` as quilt3 writes it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { type Any, FIXTURES } from '../../packages/quilt-mcp/test/helpers/harness.js';
import { motoMissing } from '../../packages/quilt-mcp/test/helpers/moto.js';
import { localQuilt, motoQuilt, ok, type RegistryTarget, refused } from '../helpers/quilt-tools.js';

const WF = path.join(FIXTURES, 'workflows');
const fixture = (name: string) => readFileSync(path.join(WF, name), 'utf8');

async function scenario(t: Test, target: RegistryTarget): Promise<void> {
  const [modern, legacy] = target.clients;
  const reg = target.registry === undefined ? {} : { registry: target.registry };
  const configUrl = `${target.prefix}/.quilt/workflows/config.yml`;
  const headerOf = async (topHash: string) => (await target.get(`.quilt/packages/${topHash}`))?.toString('utf8').split('\n')[0];
  const create = (pkg: string, extra: Record<string, unknown>) =>
    ({ ...reg, package: pkg, entries: [{ logical_key: 'data.txt', text: 'x' }], ...extra }) as Record<string, unknown>;
  const verified = async (pkg: string) => t.match(await ok(modern, 'package_verify', { ...reg, package: pkg }), { ok: true }, `${pkg} verifies`);

  await t.test('no config: no workflow, and naming one is refused', async (t) => {
    t.match(await ok(modern, 'workflows_list', reg), { config: null, workflows: [] });
    t.match(await refused(modern, 'package_create', create('none/named', { workflow: 'alpha' })), /workflow "alpha" was given, but .* has no workflows config/);
    const made = await ok(legacy, 'package_create', create('none/plain', { message: 'm' }));
    t.equal(made.workflow, null);
    t.equal(await headerOf(made.top_hash), '{"version": "v0", "message": "m"}', 'no workflow key in the header');
  });

  for (const name of ['superheroes.schema.json', 'top-secret.schema.json', 'must-have-foo-bar-meta.schema.json', 'must-contain-readme.json']) {
    await target.put(`schemas/${name}`, fixture(name));
  }
  await target.put('.quilt/workflows/schemas/experiment-universal.json', fixture('experiment-universal.json'));
  await target.put('.quilt/workflows/config.yml', fixture('complex.yml').replaceAll('{REGISTRY}', target.prefix));

  await t.test("the documentation's complex config", async (t) => {
    const listed = await ok(modern, 'workflows_list', reg);
    t.match(listed, { config: configUrl, is_workflow_required: true, default_workflow: null });
    t.same(
      listed.workflows.map((w: Any) => [w.id, w.is_message_required, w.handle_pattern, w.metadata_schema?.id ?? null, w.entries_schema?.id ?? null]),
      [
        ['alpha', true, null, null, null],
        ['beta', false, null, 'superheroes', null],
        ['gamma', true, '^(employee1|employee2)/(staging|production)$', 'top-secret', 'must-have-foo-bar-meta'],
      ],
    );
    t.equal(listed.workflows[1].metadata_schema.url, `${target.prefix}/schemas/superheroes.schema.json`);

    t.match(await refused(modern, 'package_create', create('test/package', {})), /is_workflow_required: a workflow is required, but none was given/);
    t.match(await refused(modern, 'package_create', create('test/package', { workflow: 'delta' })), /there is no "delta" workflow .*alpha, beta, gamma/);
    t.match(
      await refused(modern, 'package_create', create('test/package', { workflow: 'alpha' })),
      /workflow "alpha" .*is_message_required: a commit message is required \(message\)/,
    );
    const alpha = await ok(modern, 'package_create', create('test/package', { workflow: 'alpha', message: 'added info about UFO' }));
    t.same(alpha.workflow, { id: 'alpha', config: configUrl });
    t.equal(
      await headerOf(alpha.top_hash),
      `{"version": "v0", "workflow": {"id": "alpha", "config": "${configUrl}"}, "message": "added info about UFO"}`,
      'the header as quilt3 writes it',
    );
    await verified('test/package');

    t.match(
      await refused(modern, 'package_create', create('test/beta', { workflow: 'beta' })),
      /workflow "beta" .*metadata_schema "superheroes": package metadata \(meta\) failed validation: must have required property 'superhero'/,
    );
    t.match(
      await refused(legacy, 'package_create', create('test/beta', { workflow: 'beta', meta: { superhero: 'Birb' } })),
      /metadata_schema "superheroes".* at \/superhero: must be equal to one of the allowed values/,
    );
    const beta = await ok(legacy, 'package_create', create('test/beta', { workflow: 'beta', meta: { superhero: 'Batman' } }));
    t.equal(
      await headerOf(beta.top_hash),
      `{"version": "v0", "user_meta": {"superhero": "Batman"}, "workflow": {"id": "beta", "config": "${configUrl}", "schemas": {"superheroes": "${target.prefix}/schemas/superheroes.schema.json"}}, "message": null}`,
    );
    await verified('test/beta');

    t.match(
      await refused(modern, 'package_create', create('test/gamma', { workflow: 'gamma', message: 'm', meta: { answer: 42 } })),
      /handle_pattern .* does not match the package name "test\/gamma" \(package\)/,
    );
    t.match(
      await refused(modern, 'package_create', create('employee1/staging', { workflow: 'gamma', message: 'm' })),
      /metadata_schema "top-secret".*'answer'/,
    );
    t.match(await refused(modern, 'package_create', create('employee1/staging', { workflow: 'gamma', meta: { answer: 42 } })), /is_message_required/);
    const withoutFoo = {
      workflow: 'gamma',
      message: 'at last all is set up',
      meta: { answer: 42 },
      entries: [{ logical_key: 'README.md', text: '# hi\n', meta: { foo: 'baz' } }],
    };
    t.match(
      await refused(modern, 'package_create', { ...reg, package: 'employee1/staging', ...withoutFoo }),
      /entries_schema "must-have-foo-bar-meta": the package entries .* failed validation/,
    );
    const gamma = await ok(modern, 'package_create', {
      ...reg,
      package: 'employee1/staging',
      ...withoutFoo,
      entries: [
        { logical_key: 'README.md', text: '# hi\n', meta: { foo: 'bar' } },
        { logical_key: 'data.txt', text: 'x' },
      ],
    });
    t.same(gamma.workflow, { id: 'gamma', config: configUrl });
    t.match(
      await headerOf(gamma.top_hash),
      /"schemas": \{"top-secret": ".*\/schemas\/top-secret.schema.json", "must-have-foo-bar-meta": ".*"\}\}, "message": "at last all is set up"\}$/,
    );

    // An update is checked as quilt3 checks a push of a revised package: the workflow again (given or default).
    t.match(await refused(modern, 'package_update', { ...reg, package: 'employee1/staging', message: 'again' }), /is_workflow_required/);
    t.match(
      await refused(modern, 'package_update', { ...reg, package: 'employee1/staging', workflow: 'gamma', message: 'drop readme', remove: ['README.md'] }),
      /entries_schema "must-have-foo-bar-meta"/,
      'an update whose entries fail entries_schema is refused',
    );
    const history = await ok(modern, 'package_history', { ...reg, package: 'employee1/staging' });
    t.equal(history.revisions.length, 1, 'the refused update left no revision');
    const updated = await ok(legacy, 'package_update', {
      ...reg,
      package: 'employee1/staging',
      workflow: 'gamma',
      message: 'more',
      set: [{ logical_key: 'more.txt', text: 'y' }],
    });
    t.match(await headerOf(updated.top_hash), /"workflow": \{"id": "gamma", /);
    await verified('employee1/staging');
  });

  await t.test("the documentation's default-workflow config", async (t) => {
    await target.put('.quilt/workflows/config.yml', fixture('default.yml').replaceAll('{REGISTRY}', target.prefix));
    t.match(await ok(modern, 'workflows_list', reg), { is_workflow_required: false, default_workflow: 'experiment' });
    const byDefault = await ok(modern, 'package_create', create('exp/one', { meta: { date: 'not a date: formats are not checked, as in quilt3' } }));
    t.same(byDefault.workflow, { id: 'experiment', config: configUrl });
    t.match(
      await headerOf(byDefault.top_hash),
      new RegExp(`"schemas": \\{"experiment-universal": "${target.prefix}/.quilt/workflows/schemas/experiment-universal.json"\\}`),
    );
    const none = await ok(modern, 'package_create', create('exp/none', { workflow: null }));
    t.same(none.workflow, { id: null, config: configUrl });
    t.equal(
      await headerOf(none.top_hash),
      `{"version": "v0", "workflow": {"id": null, "config": "${configUrl}"}, "message": null}`,
      'id null when not required',
    );
    t.match(await refused(modern, 'package_create', create('exp/readme', { workflow: 'readme' })), /entries_schema "must-contain-readme"/);
    await ok(modern, 'package_create', { ...reg, package: 'exp/readme', workflow: 'readme', entries: [{ logical_key: 'README.md', text: 'r' }] });
  });

  await t.test('an invalid config is refused, naming the field', async (t) => {
    await target.put('.quilt/workflows/config.yml', fixture('bypass-only.yml'));
    t.match(await refused(modern, 'workflows_list', reg), /workflows config .* is not valid: workflows: /);
    t.match(await refused(modern, 'package_create', create('bad/config', {})), /is not valid: workflows/);
    await target.put('.quilt/workflows/config.yml', 'version: "2"\nworkflows:\n  a:\n    name: A\n');
    t.match(await refused(modern, 'package_create', create('bad/config', {})), /version 2\.0\.0, which is not supported/);
  });
}

t.test('local registry', async (t) => {
  await scenario(t, (await localQuilt(t)).target);
});

t.test('moto_server', { skip: motoMissing }, async (t) => {
  await scenario(t, (await motoQuilt(t, 'flows')).target);
});

t.test('moto_server, versioned bucket: the header names the versions read, as quilt3 records them', { skip: motoMissing }, async (t) => {
  const { target } = await motoQuilt(t, 'flows-v', { versioned: true });
  await target.put('schemas/superheroes.schema.json', fixture('superheroes.schema.json'));
  await target.put('.quilt/workflows/config.yml', fixture('complex.yml').replaceAll('{REGISTRY}', 's3://flows-v'));
  const [client] = target.clients;
  const made = await ok(client, 'package_create', {
    registry: 's3://flows-v',
    package: 'test/versioned',
    workflow: 'beta',
    meta: { superhero: 'Superman' },
    entries: [{ logical_key: 'a.txt', text: 'a' }],
  });
  t.match(made.workflow.config, /^s3:\/\/flows-v\/\.quilt\/workflows\/config\.yml\?versionId=[^&]+$/, 'the config URL carries the version read');
  const header = (await target.get(`.quilt/packages/${made.top_hash}`))?.toString('utf8').split('\n')[0] ?? '';
  t.match(
    header,
    new RegExp(
      `"workflow": \\{"id": "beta", "config": "${made.workflow.config.replace(/[?.]/g, '\\$&')}", "schemas": \\{"superheroes": "s3://flows-v/schemas/superheroes\\.schema\\.json\\?versionId=[^"]+"\\}\\}`,
    ),
  );
});
