import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../../helpers/bundle.js';
import { networkEnv, runCommand } from './procs.js';

export const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** Where the deploy tests keep what they fetch from the npm registry once (a Node binary); gitignored. */
export const cacheDir = process.env.LABMCP_DEPLOY_CACHE ?? path.join(repoRoot, 'node_modules', '.cache', 'labmcp-deploy');

/**
 * A missing prerequisite: CI must have it (the test fails with this message), a developer's machine may not (the
 * test skips with it). Returns the reason to skip, or throws in CI.
 */
export function missing(message: string): string {
  if (inCI) throw new Error(`${message} (CI=true: required here, see .ci/run and the root devDependencies)`);
  return message;
}

export interface NpmTool {
  /** The package's root folder. */
  dir: string;
  version: string;
  /** Absolute path of one of its bin scripts. */
  bin: (name: string) => string;
}

/**
 * A dev tool from the npm registry, as installed by the workspace (root devDependencies). LABMCP_DEPLOY_TOOLS_DIR
 * may name other folders (':'-separated) holding a node_modules with it (for trying a version by hand).
 */
export function findNpmTool(pkg: string): NpmTool | undefined {
  const bases = [...(process.env.LABMCP_DEPLOY_TOOLS_DIR ?? '').split(':'), repoRoot].filter(Boolean);
  for (const base of bases) {
    let manifestPath: string;
    try {
      manifestPath = createRequire(path.join(base, 'package.json')).resolve(`${pkg}/package.json`);
    } catch {
      const direct = path.join(base, 'node_modules', pkg, 'package.json');
      if (!existsSync(direct)) continue;
      manifestPath = direct;
    }
    const dir = path.dirname(manifestPath);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string; bin?: string | Record<string, string> };
    return {
      dir,
      version: manifest.version,
      bin: (name) => {
        const rel = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.[name];
        if (!rel) throw new Error(`${pkg}@${manifest.version} has no bin named ${name}`);
        return path.join(dir, rel);
      },
    };
  }
  return undefined;
}

/** The major version of a Node binary. */
export function nodeMajor(nodeBin: string): number {
  if (nodeBin === process.execPath) return Number(process.versions.node.split('.')[0]);
  return Number(execFileSync(nodeBin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8', timeout: 10_000 }).trim());
}

/**
 * A Node.js binary of the given major version: this process's own when it matches, else the official build that
 * the npm registry carries as `node-<platform>-<arch>` (a binary inside a registry package), installed once into
 * the cache folder. LABMCP_NODE_<major> may point at a binary instead.
 */
export async function nodeBinary(major: number): Promise<string> {
  const override = process.env[`LABMCP_NODE_${major}`];
  if (override) return override;
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  const dir = path.join(cacheDir, `${pkg}-${major}`);
  const binIn = (root: string) => path.join(root, 'node_modules', pkg, 'bin', 'node');
  if (existsSync(binIn(dir)) && nodeMajor(binIn(dir)) === major) return binIn(dir);
  // Test files run in parallel and may all want it at once: each installs into a folder of its own, and the
  // first to finish renames it into place (atomic); the others use that one and drop theirs.
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir, `.${pkg}-${major}-`));
  try {
    const npm = await runCommand(
      'npm',
      ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--no-update-notifier', '--prefer-offline', `${pkg}@${major}`],
      {
        cwd: tmp,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, ...networkEnv() },
        timeoutMs: 300_000,
      },
    );
    if (npm.code !== 0 || !existsSync(binIn(tmp)) || nodeMajor(binIn(tmp)) !== major) {
      throw new Error(`could not install Node.js ${major} (${pkg}@${major}) from the npm registry:\n${npm.stdout}\n${npm.stderr}`);
    }
    if (!existsSync(binIn(dir))) {
      // A leftover without the binary (an interrupted run before this scheme) is in the way.
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(tmp, dir);
      } catch (err) {
        // Another test file won the race: its copy is as good.
        if (!existsSync(binIn(dir))) throw err;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binIn(dir);
}

/** nginx, from the Debian package (`apt-get install nginx`), or LABMCP_NGINX. */
export function findNginx(): string | undefined {
  const candidates = [process.env.LABMCP_NGINX, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].filter((c): c is string => Boolean(c));
  return candidates.find((c) => existsSync(c));
}

/** The Node.js major version the Dockerfile builds on (its ARG NODE_VERSION). */
export function imageNodeMajor(): number {
  const m = /^ARG NODE_VERSION=(\d+)/m.exec(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error('the Dockerfile has no ARG NODE_VERSION=<major>');
  return Number(m[1]);
}

/**
 * A Node.js that satisfies a tool's `engines.node` lower bound (or `atLeast`, where a tool needs more than it
 * declares): this process's own when it is new enough, else the image's Node.js line (from the npm registry, see
 * nodeBinary).
 */
export async function nodeForTool(tool: NpmTool, atLeast: { major: number; minor?: number } = { major: 0 }): Promise<string> {
  const manifest = JSON.parse(readFileSync(path.join(tool.dir, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const m = /(\d+)(?:\.(\d+))?/.exec(manifest.engines?.node ?? '');
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  let needMajor = Number(m?.[1] ?? 0);
  let needMinor = Number(m?.[2] ?? 0);
  if (atLeast.major > needMajor) [needMajor, needMinor] = [atLeast.major, atLeast.minor ?? 0];
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return process.execPath;
  return nodeBinary(Math.max(imageNodeMajor(), needMajor));
}
