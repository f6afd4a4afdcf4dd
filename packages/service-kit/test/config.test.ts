import t from 'tap';
import { z } from 'zod';
import { ConfigError, flag, list, loadConfig, port } from '../src/config.js';

const shape = { SOME_PORT: port(3000), SOME_FLAG: flag(false), SOME_LIST: list(['a']), SOME_SECRET: z.string().min(40).optional() };

t.test('defaults apply and paths resolve', async (t) => {
  const c = loadConfig(shape, {});
  t.equal(c.SOME_PORT, 3000);
  t.equal(c.SOME_FLAG, false);
  t.same(c.SOME_LIST, ['a']);
  t.equal(c.LOG_LEVEL, 'info');
  t.ok(c.dataDir.endsWith('/data'));
  t.ok(c.logDir.endsWith('/logs'));
});

t.test('values are parsed', async (t) => {
  const c = loadConfig(shape, { SOME_PORT: '8081', SOME_FLAG: 'YES', SOME_LIST: ' x, ,y ', LOG_LEVEL: 'debug' });
  t.equal(c.SOME_PORT, 8081);
  t.equal(c.SOME_FLAG, true);
  t.same(c.SOME_LIST, ['x', 'y']);
  t.equal(c.LOG_LEVEL, 'debug');
});

t.test('empty strings count as unset', async (t) => {
  t.equal(loadConfig(shape, { SOME_PORT: '' }).SOME_PORT, 3000);
});

t.test('every invalid variable is named, with what is wrong', async (t) => {
  const err = t.throws(() => loadConfig(shape, { SOME_PORT: 'eighty', SOME_FLAG: 'maybe', LOG_LEVEL: 'loud' })) as ConfigError;
  t.type(err, ConfigError);
  t.match(err.message, /SOME_PORT: .*port number.*"eighty"/);
  t.match(err.message, /SOME_FLAG: must be true or false/);
  t.match(err.message, /LOG_LEVEL: /);
  t.equal(err.problems.length, 3);
});

t.test('out-of-range port', async (t) => {
  t.throws(() => loadConfig(shape, { SOME_PORT: '70000' }), /SOME_PORT: must be between 1 and 65535/);
});

t.test('a bad secret is never echoed in the message', async (t) => {
  const err = t.throws(() => loadConfig(shape, { SOME_SECRET: 'hunter2' })) as ConfigError;
  t.match(err.message, /SOME_SECRET/);
  t.notMatch(err.message, /hunter2/);
});
