import {
  createLogger,
  createMetrics,
  loadConfigOrExit,
  logPolicy,
  manageProcess,
  packageVersion,
  runHttpService,
  standardOutput,
} from '@labmcp/service-kit/service';
import { createSandboxServer, MAX_CONNECTIONS, routeLabel, type Sandbox, SERVICE_NAME, storeFileFor } from './server.js';
import { sandboxOptionsFromConfig, sandboxSettings } from './settings.js';

const config = loadConfigOrExit(sandboxSettings);
const version = packageVersion(import.meta.url);
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL, standardOutput(SERVICE_NAME, config.LABMCP_LOG_BATCH_MS), logPolicy(config));
const metrics = createMetrics(SERVICE_NAME);
const options = sandboxOptionsFromConfig(config, logger);

// With BENCHLING_SANDBOX_LOCK_WAIT_MS, a tenant file held by a live process is waited for in the background: in the
// bundle the sandbox may run in benchling-mcp's process (service-kit's run-together), and a PM2 reload starts the
// new process, which must report ready, before it stops the old one, which holds the file until its in-flight calls
// are done. Meanwhile the old process answers on the sandbox's port (PM2's cluster mode shares it) and the new one
// takes over when the old has let go.
let held: () => void = () => {};
const heldByAnother = new Promise<'waiting'>((resolve) => {
  held = () => resolve('waiting');
});
const opening = createSandboxServer(options.lockWait ? { ...options, lockWait: { ...options.lockWait, onHeld: held } } : options);
const serving = opening.then(serve, (err: unknown) => {
  // A corrupt or locked store needs a human; restarting in a loop would not help.
  logger.fatal({ err, file: storeFileFor(options) }, 'cannot open the sandbox store');
  process.exit(78); // EX_CONFIG
});
if ((await Promise.race([serving.then(() => 'serving' as const), heldByAnother])) === 'waiting') {
  logger.warn(
    { file: storeFileFor(options), waitMs: options.lockWait?.waitMs },
    'the tenant file is held by another process (the one this process replaces?); serving once it lets go',
  );
}

async function serve(sandbox: Sandbox): Promise<void> {
  const stats = sandbox.store.stats();
  logger.info(
    { file: stats.file, seeded: sandbox.store.seeded, records: stats.records },
    sandbox.store.seeded ? 'seeded the demo tenant' : 'opened the tenant',
  );
  if (config.BENCHLING_SANDBOX_ADMIN) logger.warn('BENCHLING_SANDBOX_ADMIN is on: unauthenticated fault-injection endpoints are mounted under /_sandbox/');
  const service = await runHttpService({
    service: SERVICE_NAME,
    version,
    host: config.BENCHLING_SANDBOX_HOST,
    port: config.BENCHLING_SANDBOX_PORT,
    logger,
    metrics,
    handler: sandbox.handler,
    health: sandbox.healthChecks,
    opsToken: config.LABMCP_OPS_TOKEN,
    routeOf: routeLabel,
    onShutdown: () => sandbox.close(),
  });
  service.server.maxConnections = MAX_CONNECTIONS;
  // benchling-mcp's calls in flight in the same process need the tenant until they end.
  manageProcess(service, logger, { stopAfterOthers: true });
}
