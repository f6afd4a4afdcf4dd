/**
 * The pieces of key mode `vault` on their own: the encrypted key file, the secret names, the key cache (TTL,
 * one store call per burst, refusal handling), and a session retrying with its source's new key after Benchling
 * refuses the old one (the path a rotated vault key or service key file takes). End to end: test/integration/
 * benchling-vault-file.test.ts, benchling-vault-secrets-manager.test.ts (both through test/helpers/vault-table.ts)
 * and key-rotation.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_KEYS } from '@labmcp/benchling-sandbox';
import { HttpError } from '@labmcp/service-kit';
import { Registry } from 'prom-client';
import t from 'tap';
import { ServiceKey } from '../src/service-key.js';
import { FileKeyStore, parseFileKey } from '../src/vault/file-store.js';
import { SecretNames, templateProblem } from '../src/vault/names.js';
import { KeyStoreUnavailableError } from '../src/vault/store.js';
import { unavailableReason } from '../src/vault/store-health.js';
import { VaultKeys, type VaultKeysOptions } from '../src/vault/vault-keys.js';
import { captureLogger, makeClient, startSandbox } from './helpers.js';

function tempDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'benchling-vault-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('key file: encrypted at rest, authenticated, written atomically under a lock', async (t) => {
  const file = path.join(tempDir(t), 'keys.enc');
  const key = randomBytes(32);
  const store = new FileKeyStore(file, key);
  await t.rejects(store.get('benchling/user/a@x/api_key'), KeyStoreUnavailableError, 'no file yet: the store cannot answer');
  t.same(await store.list(''), [], 'the command sees an empty store');

  // Concurrent writers (two admins, or the command run twice): every write lands.
  await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(`benchling/user/u${i}@x/api_key`, `secret-key-${i}`)));
  t.equal((await store.list('benchling/user/')).length, 8);
  t.equal(await store.get('benchling/user/u3@x/api_key'), 'secret-key-3');
  t.equal(await store.get('benchling/user/nobody@x/api_key'), undefined);
  const raw = readFileSync(file, 'utf8');
  t.notMatch(raw, /secret-key|u3@x|benchling\/user/, 'neither keys nor names in the file');
  t.equal(statSync(file).mode & 0o777, 0o600, 'readable by the owner only');

  t.equal(await store.remove('benchling/user/u3@x/api_key'), true);
  t.equal(await store.remove('benchling/user/u3@x/api_key'), false);
  t.equal(await store.get('benchling/user/u3@x/api_key'), undefined);

  const wrongKey = new FileKeyStore(file, randomBytes(32));
  await t.rejects(wrongKey.get('benchling/user/u1@x/api_key'), {
    name: 'KeyStoreUnavailableError',
    message: /cannot be decrypted with BENCHLING_VAULT_FILE_KEY/,
  });
  const sealed = JSON.parse(raw) as { data: string };
  const flipped = Buffer.from(sealed.data, 'base64');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  writeFileSync(file, JSON.stringify({ ...sealed, data: flipped.toString('base64') }));
  await t.rejects(store.get('benchling/user/u1@x/api_key'), KeyStoreUnavailableError, 'a changed byte is refused, not misread');

  t.ok(parseFileKey(randomBytes(32).toString('base64')));
  t.ok(parseFileKey(randomBytes(32).toString('hex')));
  t.notOk(parseFileKey('short'));
  t.notOk(parseFileKey(randomBytes(16).toString('base64')));
});

t.test('secret names: one user placeholder; a user name cannot reach another name', async (t) => {
  const names = new SecretNames('benchling/user/{user_email}/api_key');
  t.equal(names.nameFor('alice@example.com'), 'benchling/user/alice@example.com/api_key');
  t.equal(names.userOf('benchling/user/alice@example.com/api_key'), 'alice@example.com');
  t.equal(names.userOf('benchling/other/alice/api_key'), undefined);
  for (const bad of ['../bob', 'a/b', '', 'a b', '..', 'x'.repeat(201)]) t.throws(() => names.nameFor(bad), `refused: ${JSON.stringify(bad.slice(0, 12))}`);
  t.equal(new SecretNames('keys/{user}').nameFor('42'), 'keys/42');
  t.ok(templateProblem('benchling/user/api_key'), 'no placeholder');
  t.ok(templateProblem('{user}/{user_email}'), 'two placeholders');
  t.ok(templateProblem('a/{tenant}/{user}'), 'an unknown placeholder');
});

/** VaultKeys over a real key file holding alice's key `key-a1`, the store counting its reads. */
async function vaultOnFile(
  t: { teardown: (fn: () => void) => void },
  options: Pick<VaultKeysOptions, 'cacheTtlMs' | 'logger' | 'rejectedLately'>,
): Promise<{ file: string; real: FileKeyStore; store: FileKeyStore; vault: VaultKeys; reads: () => number }> {
  const file = path.join(tempDir(t), 'keys.enc');
  const real = new FileKeyStore(file, randomBytes(32));
  await real.put('benchling/user/alice/api_key', 'key-a1');
  let reads = 0;
  const store = Object.assign(Object.create(real) as FileKeyStore, {
    get: (name: string) => {
      reads++;
      return real.get(name);
    },
  });
  const vault = new VaultKeys({
    ...options,
    store,
    names: new SecretNames('benchling/user/{user}/api_key'),
    cacheMaxEntries: 10,
    registry: new Registry(),
    setHint: (user) => `npm run benchling-keys -- set ${user}`,
  });
  return { file, real, store, vault, reads: () => reads };
}

t.test('key cache: one store call per burst, at most the TTL, a refused key dropped and not cached again', async (t) => {
  const refused = new Set<string>();
  const { logger, text } = captureLogger();
  const { file, real, vault, reads } = await vaultOnFile(t, { cacheTtlMs: 150, logger, rejectedLately: (k) => refused.has(k) });
  const burst = await Promise.all(Array.from({ length: 10 }, () => vault.keyFor('alice')));
  t.same(new Set(burst), new Set(['key-a1']));
  t.equal(reads(), 1, 'ten requests at once: one store read');
  await vault.keyFor('alice');
  t.equal(reads(), 1, 'then from the cache');
  await new Promise((r) => setTimeout(r, 200));
  await vault.keyFor('alice');
  t.equal(reads(), 2, 'past the TTL the store is asked again');

  // Benchling refuses key-a1; the admin has not rotated yet.
  refused.add('key-a1');
  t.equal(await vault.refresh('alice', 'key-a1'), undefined, 'the store still holds the refused key: nothing to retry with');
  const err = await vault.keyFor('alice').catch((e: unknown) => e);
  t.type(err, HttpError);
  t.equal((err as HttpError).status, 403);
  t.match((err as HttpError).message, /Benchling refused the API key stored for "alice".*rotate it/);
  // The admin rotates: the next refresh hands over the new key, and it is cached.
  await real.put('benchling/user/alice/api_key', 'key-a2');
  t.equal(await vault.refresh('alice', 'key-a1'), 'key-a2');
  const before = reads();
  t.equal(await vault.keyFor('alice'), 'key-a2');
  t.equal(reads(), before, 'the new key is cached');

  const missing = (await vault.keyFor('bob').catch((e: unknown) => e)) as HttpError;
  t.equal(missing.status, 403);
  t.match(missing.message, /No Benchling API key is stored for "bob".*npm run benchling-keys -- set bob/);
  rmSync(file);
  const down = (await vault.keyFor('carol').catch((e: unknown) => e)) as HttpError;
  t.equal(down.status, 503);
  t.equal(down.headers['retry-after'], '5');
  t.notMatch(text(), /key-a1|key-a2/, 'no key in the audit lines');
  t.match(text(), /"event":"benchling_key_lookup".*"cache":"hit"/);
});

t.test("the store's health: the latest lookup that reached the store decides; cache hits and health reads ask nothing", async (t) => {
  const { file, store, vault, reads } = await vaultOnFile(t, { cacheTtlMs: 60_000, logger: captureLogger().logger, rejectedLately: () => false });
  t.same(vault.health(), { status: 'ok' }, 'ok before any lookup');
  await vault.keyFor('alice');
  const saved = readFileSync(file);

  rmSync(file);
  const before = Date.now();
  t.equal(((await vault.keyFor('bob').catch((e: unknown) => e)) as HttpError).status, 503);
  const gone = vault.health();
  t.equal(gone.status, 'degraded');
  t.match(gone, { lastFailure: { reason: `The key file ${file} does not exist: add users' keys with \`npm run benchling-keys -- set <user>\`` } });
  const at = Date.parse((gone as { lastFailure: { at: string } }).lastFailure.at);
  t.ok(at >= before && at <= Date.now(), 'the time of the failure, as an ISO time');
  const readsSoFar = reads();
  t.equal(await vault.keyFor('alice'), 'key-a1', 'a cached key still works');
  vault.health();
  t.equal(reads(), readsSoFar, 'neither the cache hit nor reading the health asked the store');
  t.equal(vault.health().status, 'degraded', 'and a cache hit does not clear the failure');

  writeFileSync(file, 'garbage');
  await vault.keyFor('bob').catch(() => undefined);
  t.match(vault.health(), { status: 'degraded', lastFailure: { reason: /cannot be decrypted with BENCHLING_VAULT_FILE_KEY/ } }, 'the latest failure is shown');
  t.notMatch(JSON.stringify(vault.health()), /bob|benchling\/user/, 'neither the user nor the secret name');

  writeFileSync(file, saved);
  t.equal(((await vault.keyFor('bob').catch((e: unknown) => e)) as HttpError).status, 403, 'bob has no key: the store answered');
  t.same(vault.health(), { status: 'ok' }, 'ok again once the store answers, even with no key');

  t.equal(
    unavailableReason(store, new Error('Secrets Manager cannot find benchling/user/bob/api_key')),
    `${file} failed.`,
    "another error's text is not shown",
  );
});

t.test("a session retries once with its source's new key when Benchling refuses the old one", async (t) => {
  const { url } = await startSandbox(t);
  const client = makeClient(url);
  const file = path.join(tempDir(t), 'service-key');
  writeFileSync(file, 'revoked-service-key\n');
  const serviceKey = new ServiceKey({ file });
  const revoked = serviceKey.current() as string;
  // The operator rotated the file after the old key was revoked in Benchling; requests with the old key are in flight.
  writeFileSync(file, `${DEMO_KEYS.carol}\n`);
  let refreshes = 0;
  const session = client.session(revoked, {
    keySource: 'service',
    refreshKey: async (refused) => {
      refreshes++;
      return serviceKey.refresh(refused);
    },
  });
  const projects = await session.list<{ id: string }>('/projects', 'projects', {});
  t.same(projects.items.map((p) => p.id).sort(), ['src_Crispr02', 'src_ProtExp1'], "served with the file's new key (carol's)");
  t.equal(refreshes, 1);

  const stuck = client.session('another-revoked-key', { keySource: 'vault', refreshKey: async () => undefined });
  await t.rejects(stuck.get('/projects'), { kind: 'key_rejected', message: /stored for you in the key vault: ask an administrator to rotate it/ });
  t.ok(client.keyRejectedRecently('another-revoked-key'), 'a refused vault key is remembered, so the vault lookup refuses it without asking Benchling');
});
