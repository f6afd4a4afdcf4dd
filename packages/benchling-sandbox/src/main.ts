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

let sandbox: Sandbox;
try {
  sandbox = await createSandboxServer(options);
} catch (err) {
  // A corrupt or locked store needs a human; restarting in a loop would not help.
  logger.fatal({ err, file: storeFileFor(options) }, 'cannot open the sandbox store');
  process.exit(78); // EX_CONFIG
}
const stats = sandbox.store.stats();
logger.info({ file: stats.file, seeded: sandbox.store.seeded, records: stats.records }, sandbox.store.seeded ? 'seeded the demo tenant' : 'opened the tenant');
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
manageProcess(service, logger);
