import type { IncomingMessage } from 'node:http';
import t from 'tap';
import { requestIdFrom } from '../src/request-id.js';

const req = (id?: string) => ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

t.test('a sane client id is kept', async (t) => {
  t.equal(requestIdFrom(req('abc-123_x.y:z')), 'abc-123_x.y:z');
});

t.test('missing, oversized or unsafe ids are replaced', async (t) => {
  for (const bad of [undefined, '', 'a'.repeat(129), 'has space', 'line\nbreak', '{"json":1}']) {
    const id = requestIdFrom(req(bad));
    t.not(id, bad);
    t.match(id, /^[0-9a-f-]{36}$/);
  }
});
