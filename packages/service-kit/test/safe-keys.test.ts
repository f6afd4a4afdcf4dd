import t from 'tap';
import { z } from 'zod';
import { refuseReservedKeys, reservedKeyPath } from '../src/safe-keys.js';

t.test('reserved keys are found at any depth, in objects and arrays', async (t) => {
  t.same(reservedKeyPath(JSON.parse('{"a": {"b": [1, {"__proto__": {}}]}}')), ['a', 'b', 1, '__proto__']);
  t.same(reservedKeyPath({ constructor: 1 }), ['constructor']);
  t.equal(reservedKeyPath({ a: { prototypes: 1 } }), undefined);
  t.equal(reservedKeyPath('text'), undefined);
});

t.test('a record schema wrapped in refuseReservedKeys refuses them with an error at their place, and keeps its JSON Schema', async (t) => {
  const schema = z.object({ fields: refuseReservedKeys(z.record(z.string(), z.unknown())).optional() });
  const refused = schema.safeParse(JSON.parse('{"fields": {"x": {"__proto__": 1}}}'));
  t.notOk(refused.success);
  t.same(refused.error?.issues[0]?.path, ['fields', 'x']);
  t.match(refused.error?.issues[0]?.message, /"__proto__" is not allowed/);
  t.ok(schema.safeParse({ fields: { x: 1 } }).success);
  t.ok(schema.safeParse({}).success);
  t.match(z.toJSONSchema(schema, { io: 'input' }), { properties: { fields: { type: 'object' } } });
});
