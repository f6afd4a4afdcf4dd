import type { z } from 'zod';
import { loadConfigOrExit, logPolicy } from './config.js';
import { createLogger, type Logger, standardOutput } from './logger.js';
import { createMetrics, type ServiceMetrics, userOperationSettings } from './metrics.js';
import { startTracing } from './tracing/start.js';
import { packageVersion } from './version.js';

/** What each of the bundle's services starts with: its settings, version, logger and metrics. */
export interface ServiceProcess<C> {
  service: string;
  config: C;
  version: string;
  logger: Logger;
  metrics: ServiceMetrics;
}

/**
 * The first steps of a service's process, the same in each: its settings (or a message and EX_CONFIG), the version
 * of the package `moduleUrl` (the caller's `import.meta.url`) belongs to, the logger, span export where configured,
 * and the metrics with the per-user settings.
 */
export async function startServiceProcess<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  moduleUrl: string,
): Promise<ServiceProcess<ReturnType<typeof loadConfigOrExit<S>>>> {
  const config = loadConfigOrExit(shape);
  const version = packageVersion(moduleUrl);
  const logger = createLogger(service, config.LOG_LEVEL, standardOutput(service, config.LABMCP_LOG_BATCH_MS), logPolicy(config));
  await startTracing({ service, version, logger });
  const metrics = createMetrics(service, userOperationSettings(config));
  return { service, config, version, logger, metrics };
}
