/**
 * The Dockerfile, checked without a Docker engine (none runs on these machines): its own COPY/RUN/ENV/WORKDIR/CMD
 * steps are executed stage by stage into scratch folders that stand for each stage's file system (see
 * helpers/dockerfile.ts for exactly what is run and what is emulated), then the final stage's CMD is started from
 * its tree alone and probed: /health, the HEALTHCHECK command, and one tool per server through the router with
 * both MCP client generations. The same emulation of deliberately broken copies of the Dockerfile must fail.
 *
 * Slow (a full pnpm install, tsc -b, a production install, Node.js of the image's major version from the npm
 * registry on first use): LABMCP_DOCKERFILE_TEST=0 skips it. LABMCP_KEEP_DOCKERFILE_TREE=1 keeps the scratch
 * trees for a look.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot } from '../helpers/bundle.js';
import { connectLegacy, connectModern } from '../helpers/mcp-clients.js';
import { freePort } from '../helpers/ports.js';
import {
  type Build,
  type Container,
  contextEntries,
  emulateBuild,
  escapingSymlinks,
  execForm,
  parseDockerfile,
  snapshotContext,
  startContainer,
} from './helpers/dockerfile.js';
import { waitForOk } from './helpers/procs.js';
import { cacheDir, nodeBinary } from './helpers/tools.js';

const dockerfilePath = path.join(repoRoot, 'Dockerfile');
const dockerfile = readFileSync(dockerfilePath, 'utf8');

if (process.env.LABMCP_DOCKERFILE_TEST === '0') {
  t.plan(0, 'LABMCP_DOCKERFILE_TEST=0');
} else {
  // Installs from the registry on a cold cache take minutes; the whole file is still bounded.
  t.setTimeout(20 * 60_000);
  await main();
}

async function main(): Promise<void> {
  const parsed = parseDockerfile(dockerfile);
  const runtime = parsed.stages[parsed.stages.length - 1]!;
  const nodeVersionArg = parsed.globalArgs.find((a) => a.args.startsWith('NODE_VERSION='));

  t.test('the Dockerfile as written', async (t) => {
    t.ok(nodeVersionArg, 'ARG NODE_VERSION decides the base image');
    const major = Number(/^NODE_VERSION=(\d+)/.exec(nodeVersionArg?.args ?? '')?.[1]);
    t.ok(major >= 24 && major % 2 === 0, `Node.js ${major} is an LTS line`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ARG reference, as written there
    t.equal(runtime.from, 'node:${NODE_VERSION}-slim', 'the runtime stage is the slim image of that line');
    t.ok(parsed.stages.length >= 3, 'multi-stage: the build stage does not ship');
    const pnpmInstall = parsed.stages.flatMap((s) => s.instructions).find((i) => i.keyword === 'RUN' && /npm install --global/.test(i.args));
    t.match(pnpmInstall?.args, /pnpm@.*packageManager/, 'pnpm comes from package.json packageManager, installed with npm');
    t.ok(
      parsed.stages.flatMap((s) => s.instructions).some((i) => i.keyword === 'RUN' && /pnpm install --frozen-lockfile/.test(i.args) && /--prod/.test(i.args)),
      'a production-only install',
    );
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').pop();
    t.same(execForm(cmd?.args ?? ''), ['pm2-runtime', 'ecosystem.config.js'], 'CMD runs pm2-runtime in exec form');
    t.ok(
      runtime.instructions.some((i) => i.keyword === 'EXPOSE' && /\b8080\b/.test(i.args)),
      'EXPOSE 8080',
    );
    t.ok(
      runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK' && /\/health/.test(i.args)),
      'HEALTHCHECK on /health',
    );
    const volume = runtime.instructions.find((i) => i.keyword === 'VOLUME');
    t.match(volume?.args, /\/app\/data/, 'VOLUME for data');
    t.match(volume?.args, /\/app\/logs/, 'VOLUME for logs');
  });

  t.test('.dockerignore keeps the context to sources, manifests and the lockfile', async (t) => {
    const context = contextEntries(repoRoot);
    for (const must of [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'ecosystem.config.js',
      'tsconfig.base.json',
      'packages/router/src/main.ts',
      'packages/quilt-mcp/package.json',
      'scripts/token.mjs',
    ]) {
      t.ok(context.has(must), `${must} is in the context`);
    }
    const leaked = [...context].filter((e) =>
      /(^|\/)(node_modules|dist|\.git|\.tap|coverage)(\/|$)|\.tsbuildinfo$|^(data|logs|test)(\/|$)|^packages\/[^/]+\/test(\/|$)|^\.env$/.test(e),
    );
    t.same(leaked.slice(0, 20), [], 'no node_modules, dist, .git, .tap, data, logs, tests or .env');
  });

  const work = mkdtempSync(path.join(tmpdir(), 'labmcp-dockerfile-'));
  t.teardown(() => {
    if (process.env.LABMCP_KEEP_DOCKERFILE_TREE === '1') t.comment(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  });
  // Module resolution walks up from the tree: nothing above it may hold a node_modules that could stand in for a
  // missing one.
  for (let dir = path.dirname(work); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) throw new Error(`${dir}/node_modules exists and would leak into the emulated image`);
    if (dir === path.dirname(dir)) break;
  }

  // One snapshot of the context for every build below (others may be editing the work tree meanwhile).
  const contextDir = path.join(work, 'context');
  snapshotContext(repoRoot, contextDir);
  const pnpmStore = hostPnpmStore();
  const emulatorOptions = {
    contextDir,
    nodeBinary,
    // BuildKit keeps cache mounts between builds; the pnpm one is seeded with this machine's pnpm store (content-
    // addressed, checked against the lockfile), so a build need not download what `pnpm install` already has.
    cacheDir: (id: string) => (id === 'labmcp-pnpm-store' && pnpmStore ? pnpmStore : path.join(cacheDir, 'docker-cache', id.replace(/[^\w.-]/g, '_'))),
    timeoutPerRunMs: 8 * 60_000,
  };

  // Subtests run one after the other; each later one needs the build.
  let built: Build | undefined;
  t.test('the emulated build succeeds', async (t) => {
    built = await emulateBuild(dockerfile, { ...emulatorOptions, workDir: path.join(work, 'good') });
    t.ok(built.final.root, `built ${built.stages.length} stages`);
    t.comment(`emulated, not run: ${built.emulated.join('; ') || 'nothing'}`);
  });
  const withBuild = (name: string, fn: (t: Test, build: Build) => Promise<void>) =>
    t.test(name, async (t) => {
      if (!built) {
        t.fail('no build to test (see the failure above)');
        return;
      }
      await fn(t, built);
    });

  withBuild('the runtime tree holds only what the image should', async (t, build) => {
    const root = build.final.root;
    t.not(build.final.user, 'root', `runs as a non-root user (${build.final.user})`);
    t.same(escapingSymlinks(root), [], 'every symlink stays inside the image');
    const app = path.join(root, 'app');
    for (const pkg of ['service-kit', 'router', 'quilt-mcp', 'benchling-mcp', 'benchling-sandbox']) {
      t.ok(existsSync(path.join(app, 'packages', pkg, 'dist')), `${pkg}/dist`);
      t.notOk(existsSync(path.join(app, 'packages', pkg, 'src')), `no ${pkg}/src`);
      t.notOk(existsSync(path.join(app, 'packages', pkg, 'test')), `no ${pkg}/test`);
    }
    const store = readdirSync(path.join(app, 'node_modules', '.pnpm'));
    for (const dev of [
      'typescript@',
      'tap@',
      'tsx@',
      'supertest@',
      'autocannon@',
      's3rver@',
      '@modelcontextprotocol+inspector@',
      '@modelcontextprotocol+conformance@',
      'mcp-remote@',
    ]) {
      t.notOk(
        store.some((d) => d.startsWith(dev)),
        `no devDependency ${dev.slice(0, -1)}`,
      );
    }
    t.ok(
      store.some((d) => d.startsWith('pm2@')),
      'pm2 (a production dependency)',
    );
    t.ok(existsSync(path.join(app, 'ecosystem.config.js')), 'ecosystem.config.js');
    t.notOk(existsSync(path.join(app, 'test')), 'no tests');
  });

  withBuild('the image starts and serves both MCP servers through the router', async (t, build) => {
    const { container, routerUrl } = await start(build, path.join(work, 'good-logs'));
    t.teardown(() => container.stop());
    try {
      await waitForOk(`${routerUrl}/health`, 90_000, () => container.proc.exited());
    } catch (err) {
      t.fail(`${(err as Error).message}\n${container.proc.log().slice(-6000)}`);
      return;
    }
    const health = (await (await fetch(`${routerUrl}/health`)).json()) as { checks: Record<string, { status: string }> };
    t.equal(health.checks['quilt-mcp']?.status, 'ok');
    t.equal(health.checks['benchling-mcp']?.status, 'ok');
    // The front page and its script (compiled by its own TypeScript project into the router's dist/).
    for (const page of ['/', '/front-page/page.js']) {
      const res = await fetch(`${routerUrl}${page}`);
      await res.arrayBuffer();
      t.equal(res.status, 200, `the image serves ${page}`);
    }

    const probe = await container.exec(build.final.healthcheck?.cmd ?? ['false']);
    t.equal(probe.code, 0, `the HEALTHCHECK command passes (${probe.stderr.trim()})`);

    const minted = await container.exec(['node', 'scripts/token.mjs', '--sub', 'alice@example.com', '--scope', 'read:packages']);
    t.equal(minted.code, 0, `scripts/token.mjs works in the image ${minted.stderr}`);
    const token = minted.stdout.trim();
    for (const connect of [connectModern, connectLegacy]) {
      const quilt = await connect(`${routerUrl}/quilt/mcp`, { authorization: `Bearer ${token}` });
      const registries = await quilt.callTool('registries_list');
      t.match(registries.structuredContent, { registries: [{ kind: 'local', isDefault: true }] }, `${connect.name}: quilt registries_list`);
      await quilt.close();
      const benchling = await connect(`${routerUrl}/benchling/mcp`, { 'x-benchling-api-key': 'sandbox-key-alice' });
      const projects = await benchling.callTool('projects_list', {});
      t.notOk(projects.isError, `${connect.name}: benchling projects_list ${projects.isError ? (projects.content?.[0]?.text ?? '') : 'succeeds'}`);
      t.ok(((projects.structuredContent?.projects as unknown[]) ?? []).length > 0, `${connect.name}: the sandbox tenant answers`);
      await benchling.close();
    }
    const logs = readdirSync(path.join(build.final.root, 'app', 'logs'));
    t.ok(
      logs.some((f) => f.startsWith('router')),
      `PM2 writes the logs into the logs volume (${logs.join(', ')})`,
    );
  });

  // The self-check: the same emulation must notice a broken Dockerfile.
  const broken: { what: string; drop: RegExp }[] = [
    { what: "the COPY of the router's dist", drop: /^COPY --from=build \/app\/packages\/router\/dist .*$/m },
    { what: 'the COPY of the production node_modules', drop: /^COPY --from=prod-deps \/app\/node_modules node_modules$/m },
  ];
  for (const { what, drop } of broken) {
    withBuild(`a Dockerfile without ${what} fails the probe`, async (t, build) => {
      t.match(dockerfile, drop, 'the line to drop is in the Dockerfile');
      const text = dockerfile.replace(drop, '# (dropped by the self-check)');
      // Only the runtime stage differs: the build must still succeed (reusing the other stages), and then the
      // image must fail its probe.
      const brokenBuild = await emulateBuild(text, { ...emulatorOptions, workDir: path.join(work, 'good'), reuse: build });
      t.ok(
        brokenBuild.stages.slice(0, -1).every((s) => s.reused),
        'only the runtime stage was redone',
      );
      let container: Container | undefined;
      let routerUrl = '';
      try {
        ({ container, routerUrl } = await start(brokenBuild, path.join(work, `broken-logs-${broken.findIndex((b) => b.drop === drop)}`)));
      } catch (err) {
        t.pass(`the CMD cannot start: ${(err as Error).message.split('\n')[0]}`);
        return;
      }
      t.teardown(() => container?.stop());
      const healthy = await waitForOk(`${routerUrl}/health`, 25_000, () => container?.proc.exited() ?? true).then(
        () => true,
        () => false,
      );
      t.notOk(healthy, 'the router never reports healthy');
      const probe = await container.exec(brokenBuild.final.healthcheck?.cmd ?? ['false']);
      t.not(probe.code, 0, 'the HEALTHCHECK command fails');
    });
  }
}

async function start(build: Build, logDir: string): Promise<{ container: Container; routerUrl: string }> {
  const ports = { router: await freePort(), quilt: await freePort(), benchling: await freePort(), sandbox: await freePort() };
  // What `docker run -e` would set: loopback only, free ports.
  const container = startContainer(
    build,
    {
      ROUTER_HOST: '127.0.0.1',
      ROUTER_PORT: String(ports.router),
      QUILT_MCP_PORT: String(ports.quilt),
      BENCHLING_MCP_PORT: String(ports.benchling),
      BENCHLING_SANDBOX_PORT: String(ports.sandbox),
    },
    logDir,
  );
  return { container, routerUrl: `http://127.0.0.1:${ports.router}` };
}

/** This machine's pnpm store root (the folder holding v10/), if pnpm can tell. */
function hostPnpmStore(): string | undefined {
  if (process.env.LABMCP_DOCKERFILE_PNPM_STORE) return process.env.LABMCP_DOCKERFILE_PNPM_STORE;
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/pnpm.sh'), 'store', 'path'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const line = out.split('\n').pop() ?? '';
    return line.startsWith('/') ? path.dirname(line) : undefined;
  } catch {
    return undefined;
  }
}
