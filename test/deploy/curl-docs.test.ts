/**
 * The curl examples as documented, run verbatim with bash against a real bundle: the README's block under
 * "Connecting an MCP client" and every sh block of docs/clients.md's "curl" section. The one rewrite is the port
 * (`localhost:8080` becomes the bundle's free port); `npm run --silent token` runs as written, in the repo root,
 * with LABMCP_DATA_DIR pointing at the bundle's data folder (where `npm start` would have it in ./data).
 * Each answer must be the JSON-RPC result the example is about, never an error.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot } from '../helpers/bundle.js';
import { startBundleForClient } from './helpers/bundle-start.js';
import { cleanEnv, runCommand } from './helpers/procs.js';
import { missing } from './helpers/tools.js';

interface Rpc {
  jsonrpc?: string;
  id?: number;
  result?: { tools?: { name: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };
  error?: unknown;
  status?: string;
}

/** The fenced blocks of one language inside a section (from its heading to the next heading of that level). */
function codeBlocks(markdown: string, heading: string, lang: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const level = /^#+/.exec(heading)?.[0] ?? '##';
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^${level} `, 'm'));
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] ?? '');
}

/** curl -s prints the bodies back to back: JSON values, or SSE events whose data lines are JSON. */
function bodies(stdout: string): Rpc[] {
  const out: Rpc[] = [];
  let rest = stdout;
  for (rest = rest.trimStart(); rest !== ''; rest = rest.trimStart()) {
    if (/^(event|data|id|retry):|^:/.test(rest)) {
      const end = rest.indexOf('\n\n');
      const event = end < 0 ? rest : rest.slice(0, end);
      for (const line of event.split('\n')) if (line.startsWith('data:') && line.slice(5).trim()) out.push(JSON.parse(line.slice(5)) as Rpc);
      rest = end < 0 ? '' : rest.slice(end + 2);
      continue;
    }
    // The longest prefix that parses as one JSON value.
    let parsed: Rpc | undefined;
    for (let i = rest.indexOf('}') + 1; i > 0 && i <= rest.length; i = rest.indexOf('}', i) + 1) {
      try {
        parsed = JSON.parse(rest.slice(0, i)) as Rpc;
        rest = rest.slice(i);
        break;
      } catch {
        // not complete yet
      }
    }
    if (!parsed) throw new Error(`not JSON or SSE: ${rest.slice(0, 300)}`);
    out.push(parsed);
  }
  return out;
}

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const readme = codeBlocks(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'), '## Connecting an MCP client', 'bash');
const clients = codeBlocks(readFileSync(path.join(repoRoot, 'docs', 'clients.md'), 'utf8'), '## curl', 'sh');

if (!hasCurl) {
  t.plan(0, missing('curl is not installed (the Debian package curl)'));
} else {
  t.setTimeout(120_000);
  const setup = await startBundleForClient(t, 'labmcp-curl-');
  if (setup) {
    const { bundle, home } = setup;
    const port = new URL(bundle.routerUrl).port;
    const env = cleanEnv({ LABMCP_DATA_DIR: bundle.dataDir, LABMCP_ENV_FILE: path.join(home, 'no.env') }, { HOME: home });
    const run = async (t: Test, script: string) => {
      t.match(script, /localhost:8080/, 'the example uses the default address');
      const res = await runCommand('bash', ['-e', '-o', 'pipefail', '-c', script.replaceAll('localhost:8080', `localhost:${port}`)], {
        cwd: repoRoot,
        env,
        timeoutMs: 60_000,
      });
      return { ...res, answers: res.code === 0 ? bodies(res.stdout) : [] };
    };
    const ok = (a: Rpc | undefined) => a?.jsonrpc === '2.0' && a.error === undefined && a.result !== undefined && a.result.isError !== true;

    t.test("README: the curl example under 'Connecting an MCP client'", async (t) => {
      t.equal(readme.length, 1, 'one bash block');
      const res = await run(t, readme[0] ?? '');
      t.equal(res.code, 0, `runs as written ${res.stderr.slice(0, 500)}`);
      t.equal(res.answers.length, 2, 'two answers');
      const [quilt, benchling] = res.answers;
      t.ok(ok(quilt) && ok(benchling), `JSON-RPC results, no errors: ${res.stdout.slice(0, 300)}`);
      t.match(quilt?.result?.structuredContent, { registries: [{ kind: 'local', isDefault: true }] }, 'registries_list');
      t.ok(((benchling?.result?.structuredContent?.projects as unknown[]) ?? []).length > 0, 'projects_list');
    });

    t.test("docs/clients.md: the 'curl' section", async (t) => {
      t.equal(clients.length, 2, 'two sh blocks');
      // The second block uses $TOKEN from the first, as a reader pasting both into one shell would.
      const first = await run(t, clients[0] ?? '');
      t.equal(first.code, 0, `the first block runs as written ${first.stderr.slice(0, 500)}`);
      const [health, ...rpc] = first.answers;
      t.equal(health?.status, 'ok', '/health');
      t.equal(rpc.length, 4, 'four JSON-RPC answers');
      t.ok(rpc.every(ok), `JSON-RPC results, no errors: ${first.stdout.slice(0, 300)}`);
      t.ok(
        rpc[0]?.result?.tools?.some((x) => x.name === 'registries_list'),
        'quilt tools/list',
      );
      t.match(rpc[1]?.result?.structuredContent, { registries: [{ kind: 'local' }] }, 'quilt registries_list');
      t.ok(((rpc[2]?.result?.structuredContent?.projects as unknown[]) ?? []).length > 0, 'benchling projects_list');
      t.ok(
        rpc[3]?.result?.tools?.some((x) => x.name === 'projects_list'),
        'benchling tools/list with HTTP Basic',
      );
      const second = await run(t, `TOKEN=$(npm run --silent token)\n${clients[1] ?? ''}`);
      t.equal(second.code, 0, `the 2026-07-28 block runs as written ${second.stderr.slice(0, 500)}`);
      t.equal(second.answers.length, 1, 'one answer');
      t.ok(ok(second.answers[0]), `a JSON-RPC result: ${second.stdout.slice(0, 300)}`);
      t.match(second.answers[0]?.result?.structuredContent, { registries: [{ kind: 'local' }] }, 'registries_list in the 2026-07-28 era');
    });
  }
}
