/**
 * Writes down every module a process loads, for tests that check what a process does not load (the AWS SDK of a
 * local-only quilt-mcp, the OpenTelemetry SDK without an endpoint): ES module resolution through a loader hook,
 * and, unless `esmOnly`, CommonJS `require` (which Node 20's loader hooks do not see), so that a package reached
 * through either is seen. Each run's processes append to a file of their own, named by the test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ModuleProbe {
  /** The environment that makes a process record its modules into the file `name`. */
  env(name: string): Record<string, string>;
  /** What the processes started with `env(name)` loaded so far: module URLs and file paths. */
  loaded(name: string): string[];
}

export function createModuleProbe(t: { teardown(fn: () => void): void }, options: { esmOnly?: boolean } = {}): ModuleProbe {
  const dir = mkdtempSync(path.join(tmpdir(), 'labmcp-module-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.MODULE_PROBE_FILE, resolved.url + '\\n');
  return resolved;
}
`,
  );
  writeFileSync(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n`);
  writeFileSync(
    path.join(dir, 'require-probe.cjs'),
    `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const resolved = resolveFilename.apply(this, args);
  appendFileSync(process.env.MODULE_PROBE_FILE, resolved + '\\n');
  return resolved;
};
`,
  );
  return {
    env: (name) => ({
      NODE_OPTIONS: `${options.esmOnly ? '' : `--require=${path.join(dir, 'require-probe.cjs')} `}--import=${path.join(dir, 'register.mjs')}`,
      MODULE_PROBE_FILE: path.join(dir, name),
    }),
    loaded: (name) => {
      try {
        return readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}
