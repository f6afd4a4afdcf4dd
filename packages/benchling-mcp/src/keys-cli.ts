/**
 * `npm run benchling-keys -- set|rotate|remove <user>` and `list`: manage users' Benchling keys in the store the
 * server reads in key mode `vault` (the same settings: BENCHLING_VAULT_STORE, its file or AWS settings, the name
 * template). The key is read from standard input (typed without echo, or piped), never from the command line,
 * where other users of the machine could see it; nothing prints it.
 */
import { fingerprint, loadConfigOrExit } from '@labmcp/service-kit';
import { SecretNames } from './vault/names.js';
import { createKeyStore, vaultSettings } from './vault/settings.js';

const USAGE = `usage: npm run benchling-keys -- <command>
  set <user>      store <user>'s Benchling API key (read from standard input)
  rotate <user>   replace the key stored for <user> (the old one must exist)
  remove <user>   delete the key stored for <user>
  list            the users with a stored key (names only)
<user> is the value of the JWT claim BENCHLING_VAULT_USER_CLAIM (default: sub), e.g. an email address.`;

async function main(args: string[]): Promise<number> {
  const [command, user] = args;
  if (!command || !['set', 'rotate', 'remove', 'list'].includes(command) || (command !== 'list' && !user)) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const config = loadConfigOrExit(vaultSettings);
  const names = new SecretNames(config.BENCHLING_VAULT_NAME_TEMPLATE);
  const store = await createKeyStore(config);
  try {
    if (command === 'list') {
      for (const name of await store.list(names.prefix)) {
        const owner = names.userOf(name);
        if (owner !== undefined) process.stdout.write(`${owner}\t${name}\n`);
      }
      return 0;
    }
    if (!SecretNames.validUser(user as string)) {
      process.stderr.write(`"${user}" is not a usable user name (letters, digits and _ + = . @ - only)\n`);
      return 65;
    }
    const name = names.nameFor(user as string);
    if (command === 'remove') {
      const removed = await store.remove(name);
      process.stdout.write(removed ? `Removed the key of ${user} (${name}) from ${store.location}.\n` : `No key stored for ${user} (${name}).\n`);
      return removed ? 0 : 1;
    }
    if (command === 'rotate' && (await store.get(name)) === undefined) {
      process.stderr.write(`No key is stored for ${user} yet (${name}); use set.\n`);
      return 1;
    }
    const key = await readKey(`Benchling API key for ${user}: `);
    if (!key || /\s/.test(key)) {
      process.stderr.write('No key read (or it holds spaces): give the key alone on standard input.\n');
      return 65;
    }
    await store.put(name, key);
    process.stdout.write(
      `Stored the key of ${user} as ${name} in ${store.location} (fingerprint ${fingerprint(key)}).\n` +
        (command === 'rotate'
          ? 'Running servers use it once Benchling refuses the old key, or within BENCHLING_VAULT_CACHE_TTL_MS; revoke the old key in Benchling when done.\n'
          : ''),
    );
    return 0;
  } finally {
    store.close();
  }
}

/** One line from standard input: typed without echo at a terminal, else read from the pipe. */
async function readKey(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) throw new Error('standard input is larger than a key');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  let line = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done(resolve);
          if (ch === '\u0003') return done(() => reject(new Error('cancelled')));
          if (ch === '\u007f') line = line.slice(0, -1);
          else line += ch;
        }
      };
      const done = (then: () => void) => {
        stdin.off('data', onData);
        then();
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
  return line.trim();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
