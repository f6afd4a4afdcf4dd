import t from 'tap';
import { compareLogicalKeys, LogicalKeyError, validateLogicalKey, WalkOrderGuard } from '../../src/quilt/walk-order.js';

/** Walk order computed the way quilt3 does it: build the tree, visit sorted children depth-first. */
function treeWalk(keys: string[]): string[] {
  type Tree = Map<string, Tree | null>;
  const root: Tree = new Map();
  for (const key of keys) {
    const parts = key.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.get(part);
      if (child === undefined || child === null) {
        child = new Map();
        node.set(part, child);
      }
      node = child;
    }
    node.set(parts[parts.length - 1] as string, null);
  }
  const byCodePoint = (a: string, b: string): number => {
    const x = [...a].map((c) => c.codePointAt(0) as number);
    const y = [...b].map((c) => c.codePointAt(0) as number);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x.length - y.length;
  };
  const out: string[] = [];
  const visit = (node: Tree, prefix: string): void => {
    for (const name of [...node.keys()].sort(byCodePoint)) {
      const child = node.get(name);
      if (child === null || child === undefined) out.push(prefix + name);
      else visit(child, `${prefix}${name}/`);
    }
  };
  visit(root, '');
  return out;
}

t.test('matches a tree walk on tricky names', async (t) => {
  const keys = [
    'A.txt',
    'a/b/c.txt',
    'a/b.txt',
    'a-b.txt',
    'a.txt',
    'a0.txt',
    'a/b-c/d',
    'a/b0',
    'ab/x',
    'a b/y',
    'z',
    '\uE000/x',
    '\u{1F600}.txt',
    '\u{1F600}/deep/er',
    'é/1',
    'e/2',
    'a/a',
  ];
  const expected = treeWalk(keys);
  t.same([...keys].sort(compareLogicalKeys), expected);
  t.same([...keys].reverse().sort(compareLogicalKeys), expected);
  t.ok(expected.indexOf('\uE000/x') < expected.indexOf('\u{1F600}.txt'), 'astral after U+E000');
});

t.test('randomised against the tree walk', async (t) => {
  const alphabet = ['a', 'b', '-', '.', '0', 'A', 'é', '\uE000', '\u{1F600}'];
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const set = new Set<string>();
    while (set.size < 40) {
      const depth = 1 + rand(3);
      const parts = Array.from({ length: depth }, () => Array.from({ length: 1 + rand(3) }, () => alphabet[rand(alphabet.length)]).join(''));
      set.add(parts.join('/'));
    }
    // Drop keys that would be both a file and a directory, as a package can't hold them.
    const keys = [...set].filter((k) => ![...set].some((o) => o.startsWith(`${k}/`)));
    t.same([...keys].sort(compareLogicalKeys), treeWalk(keys), `round ${round}`);
  }
});

t.test('validateLogicalKey follows quilt3 validate_key', async (t) => {
  for (const ok of ['a', 'a/b', 'a b/c d', '.hidden', 'a/..b', 'é/日本']) t.doesNotThrow(() => validateLogicalKey(ok), ok);
  for (const bad of ['', '/a', 'a/', 'a//b', './a', 'a/./b', '../a', 'a/..']) t.throws(() => validateLogicalKey(bad), LogicalKeyError, bad);
});

t.test('WalkOrderGuard', async (t) => {
  const g = new WalkOrderGuard();
  g.accept('A.txt');
  g.accept('a/b/c.txt');
  t.throws(() => g.accept('a/b/c.txt'), /Duplicate/);
  t.throws(() => g.accept('A.txt'), /out of walk order/);
  g.accept('a/b.txt');
  g.accept('a-b.txt');

  const conflict = new WalkOrderGuard();
  conflict.accept('x');
  t.throws(() => conflict.accept('x/y'), /both a file and a directory/);

  const dirs = new WalkOrderGuard('directory');
  dirs.accept('a');
  dirs.accept('a/b');
  dirs.accept('b');
  t.throws(() => dirs.accept('a'), /out of walk order/);
});
