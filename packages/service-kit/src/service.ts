// The HTTP service frame without the MCP parts: what the router and the sandbox need, and all they load
// (the MCP SDK and the tool frame cost every process that imports them ~0.1 s of start-up CPU and ~10 MiB).
export { ConfigError, commonSettings, flag, list, loadConfig, loadConfigOrExit, orExitOnConfigError, port, positiveInt } from './config.js';
export { createLogger, fingerprint, REDACT_PATHS, type Logger } from './logger.js';
export { createMetrics, statusClass, type ServiceMetrics } from './metrics.js';
export { healthReport, type CheckResult, type CheckStatus, type HealthChecks, type HealthReport } from './health.js';
export { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
export { redactUrl } from './redact-url.js';
export { sendJson, sendJsonRpcError } from './responses.js';
export { defaultRoute, manageProcess, runHttpService, statusOnly, type OpsAccess, type HttpServiceOptions, type MetricsPage, type RequestContext, type RunningService, type ServiceHandler } from './http-service.js';
export { packageVersion } from './version.js';
export { HttpError } from './http-error.js';
