/**
 * Runs several services' entry modules in one process, each imported in the order given. PM2 hears `ready` once
 * every one of them has started, and a signal stops them all (process-lifecycle.ts).
 *
 *   LABMCP_RUN_TOGETHER=<main.js>:<main.js> node run-together.js     (the list separated by path.delimiter)
 *   node run-together.js <main.js> <main.js>
 *
 * ecosystem.config.js uses the variable: a PM2 cluster worker's command line starts with the supervisor's own
 * arguments (`start ecosystem.config.js` under `pm2-runtime start`), so arguments are not reliable there.
 *
 * The PM2 bundle runs its demo tenant (the Benchling sandbox) inside benchling-mcp's process this way: a Node
 * process costs about 25 MiB before it does anything, and the tenant is only ever called by that server.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { holdReady } from './process-lifecycle.js';

const listed = process.env.LABMCP_RUN_TOGETHER;
const mains = listed ? listed.split(path.delimiter).filter(Boolean) : process.argv.slice(2);
if (mains.length === 0) {
  process.stderr.write('usage: run-together <service main.js> [<service main.js> ...], or LABMCP_RUN_TOGETHER=<main.js>:<main.js>\n');
  process.exit(64); // EX_USAGE
}
const release = holdReady();
for (const main of mains) await import(pathToFileURL(path.resolve(main)).href);
release();
