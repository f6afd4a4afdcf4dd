import t from 'tap';
import { metaArg } from '../../src/tools/common.js';

t.test('metadata refuses reserved keys at any depth, naming them, instead of dropping them', async (t) => {
  for (const [text, key] of [
    ['{"__proto__": {"polluted": true}}', '__proto__'],
    ['{"lab": {"constructor": 1}}', 'constructor'],
    ['{"runs": [{"prototype": {}}]}', 'prototype'],
  ] as const) {
    const parsed = metaArg.safeParse(JSON.parse(text));
    t.notOk(parsed.success, `${text} is refused`);
    t.match(parsed.error?.issues[0]?.message, new RegExp(`"${key}" is not allowed`));
  }
  const fine = metaArg.safeParse({ lab: { proto: 1, constructors: ['a'] } });
  t.ok(fine.success, 'keys that only look alike are kept');
  t.same(fine.data, { lab: { proto: 1, constructors: ['a'] } });
});
