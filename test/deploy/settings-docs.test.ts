/**
 * docs/configuration.md against the code: every setting a process reads (service-kit's common settings and each
 * process's own zod shape) has a row of its own there, named in the row's first cell. A setting added without its
 * documentation fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { benchlingSettings } from '../../packages/benchling-mcp/src/config.js';
import { sandboxSettings } from '../../packages/benchling-sandbox/src/settings.js';
import { quiltConfigShape } from '../../packages/quilt-mcp/src/config.js';
import { routerSettings } from '../../packages/router/src/config.js';
import { commonSettings } from '../../packages/service-kit/src/config.js';
import { repoRoot } from '../helpers/bundle.js';

/** The names in the first cell of each table row (`| \`A\` / \`B\` | default | meaning |`): the settings with a row. */
const documented = new Set(
  readFileSync(path.join(repoRoot, 'docs', 'configuration.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!)),
);
// Node's own, read as every Node program reads it; not a setting of ours.
const NOT_OURS = new Set(['NODE_ENV']);

const shapes: Record<string, object> = {
  'service-kit (every process)': commonSettings,
  router: routerSettings,
  'quilt-mcp': quiltConfigShape,
  'benchling-mcp': benchlingSettings,
  'benchling-sandbox': sandboxSettings,
};

for (const [owner, shape] of Object.entries(shapes)) {
  t.test(owner, async (t) => {
    const names = Object.keys(shape).filter((name) => !NOT_OURS.has(name));
    t.ok(names.length > 3, 'the shape has its settings');
    const missing = names.filter((name) => !documented.has(name));
    t.same(missing, [], 'each one is documented in docs/configuration.md');
  });
}
