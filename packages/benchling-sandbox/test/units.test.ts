/** The small parts on their own: parsers, matchers, tokens, the limiter, settings, and the seed's invariants. */
import { loadConfig } from '@labmcp/service-kit';
import t, { type Test } from 'tap';
import { Authenticator } from '../src/auth.js';
import { basesMatch, reverseComplement, translate } from '../src/bio.js';
import { parseTimeFilter } from '../src/http/query.js';
import { Router } from '../src/http/router.js';
import { DEMO_IDS, DEMO_KEYS, FixedWindowRateLimiter, seedTenant } from '../src/index.js';
import { PageTokens, parsePageSize, parseSort } from '../src/paging.js';
import { sandboxOptionsFromConfig, sandboxSettings } from '../src/settings.js';

/** Asserts that `fn` throws an error carrying this HTTP status (an ApiError). */
function throwsStatus(t: Test, fn: () => unknown, status: number, message: string): void {
  try {
    fn();
    t.fail(`${message}: did not throw`);
  } catch (err) {
    t.equal((err as { status?: number }).status, status, message);
  }
}

t.test('time filters', async (t) => {
  const after = parseTimeFilter('modifiedAt', '> 2025-03-01');
  t.ok(after('2025-03-01T00:00:01.000Z'));
  t.notOk(after('2025-03-01T00:00:00.000Z'), '> is strict');
  const range = parseTimeFilter('modifiedAt', '> 2025-03-01 AND < 2025-03-02T12:00:00+02:00');
  t.ok(range('2025-03-02T09:59:59.000Z'));
  t.notOk(range('2025-03-02T10:00:00.000Z'), 'offsets are honoured');
  const day = parseTimeFilter('modifiedAt', '2025-03-01');
  t.ok(day('2025-03-01T23:59:59.999Z'));
  t.notOk(day('2025-03-02T00:00:00.000Z'));
  t.ok(parseTimeFilter('createdAt', '2025-03-01T10:00:00')('2025-03-01T10:00:00.000Z'), 'no zone means UTC');
  for (const bad of ['soon', '>= 2025-01-01', '2025-01-01 AND 2025-01-02', '> 2025-13-45', '> 1 AND < 2 AND < 3']) {
    throwsStatus(t, () => parseTimeFilter('modifiedAt', bad), 400, bad);
  }
});

t.test('sequence helpers', async (t) => {
  t.equal(reverseComplement('ATGCn'), 'NGCAT');
  t.equal(translate('ATGGCCTAA'), 'MA*');
  t.equal(translate('ATGNNN'), 'MX');
  t.ok(basesMatch('gcat', 'ATGC', false), 'reverse complement, any case');
  t.ok(basesMatch('GCAT', 'ATGC', false));
  t.notOk(basesMatch('TGCA', 'ATGC', false), 'rotation only for circular sequences');
  t.ok(basesMatch('TGCA', 'ATGC', true));
  t.notOk(basesMatch('ATG', 'ATGC', true), 'full length only');
});

t.test('router', async (t) => {
  const r = new Router([
    { method: 'GET', path: '/entries', value: 'list' },
    { method: 'POST', path: '/entries', value: 'create' },
    { method: 'GET', path: '/entries/{entry_id}', value: 'get' },
  ]);
  t.strictSame(r.match('GET', '/entries/etr_1'), { kind: 'found', value: 'get', params: { entry_id: 'etr_1' } });
  t.strictSame(r.match('GET', '/entries/a%20b'), { kind: 'found', value: 'get', params: { entry_id: 'a b' } });
  t.strictSame(r.match('DELETE', '/entries'), { kind: 'method-not-allowed', allow: ['GET', 'POST'] });
  t.strictSame(r.match('GET', '/entries/'), { kind: 'not-found' });
  t.strictSame(r.match('GET', '/entries/%E0%A4%A'), { kind: 'not-found' }, 'undecodable ids do not throw');
  const long = `etr_${'x'.repeat(500)}`;
  t.strictSame(r.match('GET', `/entries/${long}`), { kind: 'found', value: 'get', params: { entry_id: long } }, 'a long id still reaches its handler');
  t.strictSame(r.match('GET', '/entries/a%2Fb'), { kind: 'found', value: 'get', params: { entry_id: 'a/b' } }, 'an encoded slash stays in the id');
  t.strictSame(r.match('HEAD', '/entries/etr_1'), { kind: 'method-not-allowed', allow: ['GET'] });
  t.strictSame(r.match('GET', '/entries/etr_1/'), { kind: 'not-found' });
});

t.test('paging primitives', async (t) => {
  t.equal(parsePageSize(undefined), 50);
  t.equal(parsePageSize('100'), 100);
  throwsStatus(t, () => parsePageSize('101'), 400, 'pageSize over 100');
  t.strictSame(parseSort(undefined, ['name', 'modifiedAt'], 'modifiedAt'), { field: 'modifiedAt', direction: 'desc' });
  t.strictSame(parseSort('name', ['name'], 'name'), { field: 'name', direction: 'asc' });
  const items = ['b', 'a', 'c', 'a'].map((name, i) => ({ id: `x_${i}`, name, modifiedAt: '2025-01-01T00:00:00.000Z' }));
  const tokens = new PageTokens('0123456789abcdef0123456789abcdef');
  const one = tokens.paginate(items, { field: 'name', direction: 'asc' }, 2, 'q', undefined);
  t.strictSame(
    one.items.map((i) => i.id),
    ['x_1', 'x_3'],
    'ties broken by id',
  );
  const two = tokens.paginate(items, { field: 'name', direction: 'asc' }, 2, 'q', one.nextToken);
  t.strictSame(
    two.items.map((i) => i.id),
    ['x_0', 'x_2'],
  );
  t.equal(two.nextToken, '');
  t.equal(two.total, 4);
  throwsStatus(
    t,
    () => new PageTokens('another secret, another tenant!!').paginate(items, { field: 'name', direction: 'asc' }, 2, 'q', one.nextToken),
    400,
    'a token signed by another tenant',
  );
});

t.test('authenticator', async (t) => {
  const tenant = seedTenant();
  const auth = new Authenticator(tenant.users, { 'extra-key': 'carol' });
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  t.equal(auth.authenticate(basic(`${DEMO_KEYS.bob}:`)).handle, 'bob');
  t.equal(auth.authenticate(basic(`${DEMO_KEYS.bob}:ignored-password`)).handle, 'bob', 'the password is ignored');
  t.equal(auth.authenticate(basic('extra-key:')).handle, 'carol');
  throwsStatus(t, () => auth.authenticate(undefined), 401, 'no header');
  throwsStatus(t, () => auth.authenticate(basic(':')), 401, 'empty key');
  t.throws(() => new Authenticator(tenant.users, { k: 'nobody' }), /unknown user/);
});

t.test('rate limiter windows', async (t) => {
  let now = 60_000 * 1000 + 29_500; // half a second before a 30 s boundary
  const limiter = new FixedWindowRateLimiter({ limit: 2, windowSeconds: 30 }, () => now);
  t.equal(limiter.take().headers['x-rate-limit-reset'], '1', 'never 0 while the window is open');
  t.ok(limiter.take().allowed);
  t.notOk(limiter.take().allowed);
  now += 500;
  const fresh = limiter.take();
  t.ok(fresh.allowed, 'the boundary starts a new window');
  t.equal(fresh.headers['x-rate-limit-remaining'], '1');
  t.equal(fresh.headers['x-rate-limit-reset'], '30');
  t.throws(() => new FixedWindowRateLimiter({ limit: 0, windowSeconds: 30 }, () => now));
});

t.test('settings from the environment', async (t) => {
  const config = loadConfig(sandboxSettings, {
    LABMCP_DATA_DIR: '/tmp/labmcp-data',
    BENCHLING_SANDBOX_RATE_LIMIT: '120',
    BENCHLING_SANDBOX_RATE_WINDOW_SECONDS: '10',
    BENCHLING_SANDBOX_EXTRA_KEYS: 'ci-key=alice, other=ent_B0bMarq7',
    BENCHLING_SANDBOX_ADMIN: 'yes',
  });
  t.equal(config.BENCHLING_SANDBOX_PORT, 3002);
  t.equal(config.BENCHLING_SANDBOX_HOST, '127.0.0.1');
  const options = sandboxOptionsFromConfig(config);
  t.strictSame(options.rateLimit, { limit: 120, windowSeconds: 10, retryAfterHeader: false });
  t.strictSame(options.extraKeys, { 'ci-key': 'alice', other: 'ent_B0bMarq7' });
  t.equal(options.dataDir, '/tmp/labmcp-data');
  t.equal(options.adminEndpoints, true);
  const defaults = sandboxOptionsFromConfig(loadConfig(sandboxSettings, {}));
  t.strictSame(defaults.rateLimit, { limit: 60, windowSeconds: 30, retryAfterHeader: false });
  t.equal(defaults.adminEndpoints, false, 'fault injection is off unless asked for');
  t.throws(() => loadConfig(sandboxSettings, { BENCHLING_SANDBOX_EXTRA_KEYS: 'no-user-given' }), /key=user/);
  t.throws(() => loadConfig(sandboxSettings, { BENCHLING_SANDBOX_RATE_LIMIT: '0' }), /BENCHLING_SANDBOX_RATE_LIMIT/);
});

t.test('the seed is a consistent lab', async (t) => {
  const tenant = seedTenant();
  const prefixes: [keyof typeof tenant, RegExp][] = [
    ['users', /^ent_/],
    ['projects', /^src_/],
    ['folders', /^lib_/],
    ['entries', /^etr_/],
    ['dnaSequences', /^seq_/],
    ['rnaSequences', /^seq_/],
    ['aaSequences', /^prtn_/],
    ['customEntities', /^bfi_/],
    ['schemas', /^ts_/],
  ];
  for (const [collection, prefix] of prefixes) {
    const list = tenant[collection] as { id: string }[];
    t.ok(
      list.every((r) => prefix.test(r.id)),
      `${collection} ids`,
    );
    t.equal(new Set(list.map((r) => r.id)).size, list.length, `${collection} ids are unique`);
  }
  t.ok(
    tenant.schemas.every((s) => s.fieldDefinitions.every((f) => /^tsf_/.test(f.id))),
    'field ids',
  );
  t.ok(
    tenant.folders.some((f) => f.id === 'lib_abc123'),
    'the README example folder exists',
  );
  t.ok(tenant.entries.length >= 15);
  t.equal(tenant.entries.filter((e) => e.folderId === DEMO_IDS.folders.expressionRuns && e.archiveReason === null).length, 12);
  t.strictSame(new Set(tenant.users.map((u) => u.apiKey)), new Set(Object.values(DEMO_KEYS)));

  const all = new Map<string, { name: string }>();
  for (const c of ['dnaSequences', 'aaSequences', 'customEntities', 'entries'] as const) for (const r of tenant[c]) all.set(r.id, r);
  const folders = new Set(tenant.folders.map((f) => f.id));
  for (const c of ['entries', 'dnaSequences', 'rnaSequences', 'aaSequences', 'customEntities'] as const) {
    for (const r of tenant[c]) {
      t.ok(r.folderId !== null && folders.has(r.folderId), `${r.id} is filed in a seeded folder`);
      const schema = tenant.schemas.find((s) => s.id === r.schemaId);
      for (const [name, value] of Object.entries(r.fields)) {
        const def = schema?.fieldDefinitions.find((d) => d.name === name);
        t.ok(def, `${r.id}: field ${name} is in its schema`);
        if (def?.type.endsWith('_link') && value !== null) {
          for (const id of Array.isArray(value) ? value : [String(value)]) t.ok(all.has(id), `${r.id}: ${name} -> ${id} exists`);
        }
      }
      for (const def of schema?.fieldDefinitions ?? []) if (def.isRequired) t.ok(r.fields[def.name] != null, `${r.id}: required ${def.name} set`);
    }
  }
  for (const s of [...tenant.dnaSequences, ...tenant.rnaSequences]) {
    t.match(s.bases, tenant.rnaSequences.includes(s) ? /^[ACGU]+$/ : /^[ACGT]+$/, `${s.name}: plain bases`);
    // Stored ranges are half-open with end in 1..length; only a circular sequence may have start > end (across the origin).
    for (const a of s.annotations) {
      t.ok(a.start >= 0 && a.end >= 1 && a.end <= s.bases.length && (a.start < a.end || (s.isCircular && a.start > a.end)), `${s.name}: ${a.name} in range`);
    }
    for (const tr of s.translations) t.equal(tr.aminoAcids, translate(s.bases.slice(tr.start, tr.end)).replace(/\*$/, ''), `${s.name}: ${tr.name} translation`);
  }
  t.ok(
    tenant.dnaSequences.some((s) => s.isCircular && s.annotations.some((a) => a.start > a.end)),
    'a seeded feature runs across the origin of a circular plasmid',
  );
  const egfp = tenant.aaSequences.find((a) => a.id === DEMO_IDS.aaSequences.egfp)!;
  t.equal(egfp.aminoAcids.slice(0, 12), 'MVSKGEELFTGV');
  t.equal(tenant.counters.entryDisplayId, 14);
  t.strictSame(tenant.counters.registry, { PLS: 4, PRT: 2, STR: 2, CL: 3, SG: 2 });
  const again = seedTenant();
  t.strictSame({ ...again, tokenSecret: '' }, { ...tenant, tokenSecret: '' }, 'deterministic apart from the token secret');
  t.not(again.tokenSecret, tenant.tokenSecret);
});
