/**
 * The Dockerfile emulator’s reading of a Dockerfile and .dockerignore (helpers/dockerfile.ts; dockerfile-ast and
 * @balena/dockerignore underneath): fast, no build. The build itself is checked in dockerfile.test.ts.
 */
import t from 'tap';
import { dockerignoreMatcher, execForm, parseDockerfile } from './helpers/dockerfile.js';

const instructions = (text: string) => parseDockerfile(text).stages.flatMap((s) => s.instructions.map(({ keyword, args, line }) => ({ keyword, args, line })));

t.test('continuations, comments and empty lines inside them', async (t) => {
  t.same(instructions('FROM node:20-slim\nRUN echo a \\\n# a note\n\n    && echo b\nUSER node\n'), [
    { keyword: 'RUN', args: 'echo a     && echo b', line: 2 },
    { keyword: 'USER', args: 'node', line: 6 },
  ]);
});

t.test('stages, global ARGs and flags', async (t) => {
  const parsed = parseDockerfile(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${V} is the Dockerfile's own variable syntax
    '# syntax=docker/dockerfile:1\nARG V=1\nfrom node:${V}-slim AS Build\nrun --mount=type=cache,target=/c --network=none make\nFROM build\nCOPY --from=build --chown=node:node a b/\n',
  );
  t.same(
    parsed.globalArgs.map((a) => a.args),
    ['V=1'],
  );
  t.same(
    parsed.stages.map((s) => [s.name, s.from, s.fromLine]),
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own variable, unexpanded in FROM
      ['build', 'node:${V}-slim', 3],
      [undefined, 'build', 5],
    ],
  );
  t.same(parsed.stages[0]?.instructions[0], { keyword: 'RUN', args: '--mount=type=cache,target=/c --network=none make', line: 4 });
  t.same(parsed.stages[1]?.instructions[0]?.args, '--from=build --chown=node:node a b/');
});

t.test('exec form is JSON, as Docker reads it', async (t) => {
  t.same(execForm('["echo", "a b", "say \\"hi\\""]'), ['echo', 'a b', 'say "hi"']);
  t.equal(execForm('echo [a]'), undefined);
  t.equal(execForm('[not json'), undefined, 'an invalid array is shell form');
});

t.test('what the emulator cannot run is an error', async (t) => {
  t.throws(() => parseDockerfile('FROM node:20-slim\nRUN <<EOF\necho hi\nEOF\n'), /heredocs/);
  t.throws(() => parseDockerfile('# escape=`\nFROM node:20-slim\nRUN echo a `\n  b\n'), /escape directive/);
  t.throws(() => parseDockerfile('FROM node:20-slim\nONBUILD RUN x\n'), /does not support ONBUILD/);
  t.throws(() => parseDockerfile('FROM --platform=linux/amd64 node:20-slim\n'), /unsupported FROM/);
  t.throws(() => parseDockerfile('RUN x\n'), /only ARG may come before the first FROM/);
  t.throws(() => parseDockerfile('ARG X=1\n'), /no FROM/);
});

t.test('.dockerignore rules are Docker’s', async (t) => {
  const ignored = dockerignoreMatcher('# comment\n**/node_modules\ndocs\n*.md\n!README.md\npackages/*/test\n');
  t.ok(ignored('packages/router/node_modules/x/index.js'), '**/ at any depth, and what is inside');
  t.ok(ignored('docs/a/b.md'), 'a match on a parent folder excludes what is inside');
  t.notOk(ignored('src/docs'), 'patterns are anchored at the context root');
  t.ok(ignored('CHANGES.md'));
  t.notOk(ignored('packages/router/CHANGES.md'), '* does not cross a /');
  t.notOk(ignored('README.md'), '! makes an exception');
  t.ok(ignored('packages/quilt-mcp/test/a.test.ts'));
  t.notOk(ignored('packages/quilt-mcp/src/test.ts'));
});
