/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, `conformance server --url ...`, a root
 * devDependency) against quilt-mcp and benchling-mcp through the router, as deployed, and against the router's
 * own one-connection endpoint `/mcp`.
 *
 * The suite cannot send headers of its own, and both servers need a credential, so it talks to a test-only
 * loopback proxy that adds them (helpers/header-proxy.ts) and passes everything else through untouched.
 * It runs on Node.js >= 22 (it imports fs.globSync); on an older Node.js the image's Node.js line is used.
 *
 * Every scenario that applies to servers without the suite's own fixture tools runs, for both servers; each
 * must pass by the suite's own verdict with test/deploy/conformance-baseline.yml as its expected-failures
 * baseline, and this test also reads each scenario's checks.json. docs/conformance.md says which scenarios do not
 * apply and why.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mintDemoToken } from '@labmcp/service-kit/auth';
import t from 'tap';
import { type Bundle, repoRoot } from '../helpers/bundle.js';
import { startBundleRetrying } from './helpers/bundle-start.js';
import { type HeaderProxy, startHeaderProxy } from './helpers/header-proxy.js';
import { cleanEnv, runCommand } from './helpers/procs.js';
import { findNpmTool, missing, nodeForTool } from './helpers/tools.js';

/** Scenario, and the protocol revision to run it at (the suite's default where none). */
const APPLICABLE: { scenario: string; spec?: string; why: string }[] = [
  { scenario: 'server-initialize', why: 'initialize handshake (2025-11-25)' },
  { scenario: 'server-initialize', spec: '2025-06-18', why: 'initialize handshake (2025-06-18)' },
  { scenario: 'ping', why: 'ping (2025-11-25)' },
  { scenario: 'ping', spec: '2025-06-18', why: 'ping (2025-06-18)' },
  { scenario: 'tools-list', why: 'tools/list shape and tool names (2025-11-25)' },
  { scenario: 'tools-list', spec: '2025-06-18', why: 'tools/list shape and tool names (2025-06-18)' },
  { scenario: 'tools-list', spec: '2026-07-28', why: 'tools/list shape and tool names (2026-07-28)' },
  { scenario: 'server-stateless', spec: '2026-07-28', why: 'per-request _meta, server/discover, version negotiation, removed methods' },
  { scenario: 'http-header-validation', spec: '2026-07-28', why: 'Mcp-Method / Mcp-Name header validation' },
  { scenario: 'server-sse-multiple-streams', spec: '2026-07-28', why: 'concurrent POST streams' },
  { scenario: 'caching', spec: '2026-07-28', why: 'tools/list caching hints (ttlMs, cacheScope)' },
  { scenario: 'input-required-result-unsupported-methods', spec: '2026-07-28', why: 'no input-required result on list methods' },
  { scenario: 'dns-rebinding-protection', why: 'foreign Host/Origin refused, localhost accepted (2025-11-25)' },
  { scenario: 'dns-rebinding-protection', spec: '2026-07-28', why: 'foreign Host/Origin refused, localhost accepted (2026-07-28)' },
];

/** The suite release the scenarios, the baseline and docs/conformance.md were written against. */
const SUITE_VERSION = '0.2.0-alpha.12';

const baselineFile = path.join(repoRoot, 'test', 'deploy', 'conformance-baseline.yml');
const baseline = new Set(
  readFileSync(baselineFile, 'utf8')
    .split('\n')
    .map((l) => /^\s*-\s*([\w-]+:[\w-]+)\s*$/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x)),
);

/**
 * Baseline entries that do not apply to one server: quilt-mcp offers resources (Quilt+ resource templates), so the
 * suite's resources caching checks pass there and must not be listed as expected failures for it.
 */
const NOT_EXPECTED: Record<string, string[]> = {
  'quilt-mcp': ['caching:sep-2549-resources-list-caching-hints', 'caching:sep-2549-resources-templates-list-caching-hints'],
};

/** The baseline file for one server: the shared one without the entries that do not apply to it. */
function baselineFileFor(server: string, work: string): string {
  const drop = new Set(NOT_EXPECTED[server] ?? []);
  if (drop.size === 0) return baselineFile;
  const file = path.join(work, `${server}-baseline.yml`);
  const kept = readFileSync(baselineFile, 'utf8')
    .split('\n')
    .filter((l) => !drop.has(/^\s*-\s*([\w-]+:[\w-]+)\s*$/.exec(l)?.[1] ?? ''));
  writeFileSync(file, kept.join('\n'));
  return file;
}

const suite = findNpmTool('@modelcontextprotocol/conformance');
if (!suite) {
  t.plan(0, missing('@modelcontextprotocol/conformance is not installed (a root devDependency)'));
} else {
  await main(suite);
}

async function main(tool: NonNullable<typeof suite>): Promise<void> {
  t.setTimeout(600_000);
  if (tool.version !== SUITE_VERSION) {
    t.fail(
      `@modelcontextprotocol/conformance ${tool.version} is installed; this test and docs/conformance.md are for ${SUITE_VERSION} (update all three together)`,
    );
    return;
  }
  const node = await nodeForTool(tool, { major: 22 });
  const cli = tool.bin('conformance');
  const work = mkdtempSync(path.join(tmpdir(), 'labmcp-conformance-'));
  // The suite makes many requests in a short time: lift the router's per-credential rate limit for this run.
  let bundle: Bundle;
  try {
    bundle = await startBundleRetrying({ env: { ROUTER_RATE_LIMIT_PER_MINUTE: '1000000', ROUTER_RATE_LIMIT_BURST: '100000' } });
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    t.fail((err as Error).message);
    return;
  }
  const proxies: HeaderProxy[] = [];
  t.teardown(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await bundle.stop();
    rmSync(work, { recursive: true, force: true });
  });
  t.comment(`conformance ${tool.version} on Node.js ${node === process.execPath ? process.version : node}`);
  const token = await mintDemoToken({ dataDir: bundle.dataDir, subject: 'conformance@example.com', scopes: ['read:packages'] });

  const servers: { name: string; prefix: string; headers: Record<string, string> }[] = [
    { name: 'quilt-mcp', prefix: '/quilt', headers: { authorization: `Bearer ${token}` } },
    { name: 'benchling-mcp', prefix: '/benchling', headers: { 'x-benchling-api-key': 'sandbox-key-alice' } },
    // The router's one-connection endpoint, with both credentials.
    { name: 'router /mcp', prefix: '', headers: { authorization: `Bearer ${token}`, 'x-benchling-api-key': 'sandbox-key-alice' } },
  ];
  for (const server of servers) {
    const proxy = await startHeaderProxy(`${bundle.routerUrl}${server.prefix}`, server.headers);
    const serverBaseline = baselineFileFor(server.name, work);
    const expected = new Set([...baseline].filter((id) => !(NOT_EXPECTED[server.name] ?? []).includes(id)));
    proxies.push(proxy);
    for (const { scenario, spec, why } of APPLICABLE) {
      t.test(`${server.name}: ${scenario}${spec ? ` @ ${spec}` : ''} (${why})`, async (t) => {
        const out = path.join(work, `${server.name.replace(/\W+/g, '_')}-${scenario}-${spec ?? 'default'}`);
        const args = [
          cli,
          'server',
          '--url',
          `${proxy.url}/mcp`,
          '--scenario',
          scenario,
          '--expected-failures',
          serverBaseline,
          '-o',
          out,
          '--timeout',
          '60000',
        ];
        if (spec) args.push('--spec-version', spec);
        const res = await runCommand(node, args, { cwd: repoRoot, env: cleanEnv({ NO_COLOR: '1' }, { HOME: work }), timeoutMs: 120_000 });
        // biome-ignore lint/suspicious/noControlCharactersInRegex: removes the terminal's colour escapes (ESC [ … m)
        const output = `${res.stdout}\n${res.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
        t.equal(res.code, 0, `the suite's verdict with the baseline: ${/Baseline[^\n]*|Passed:[^\n]*/.exec(output)?.[0] ?? output.slice(-1500)}`);
        const dirs = existsSync(out) ? readdirSync(out) : [];
        t.equal(dirs.length, 1, 'one result folder');
        if (dirs.length !== 1) return;
        const checks = JSON.parse(readFileSync(path.join(out, dirs[0] ?? '', 'checks.json'), 'utf8')) as {
          id: string;
          status: string;
          errorMessage?: string;
        }[];
        t.ok(
          checks.some((c) => c.status === 'SUCCESS'),
          `${checks.filter((c) => c.status === 'SUCCESS').length} checks passed`,
        );
        const unexpected = checks.filter((c) => !['SUCCESS', 'INFO', 'SKIPPED'].includes(c.status) && !expected.has(`${scenario}:${c.id}`));
        t.same(
          unexpected.map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? ''}`),
          [],
          'no failure or warning outside the baseline',
        );
      });
    }
  }
}
