// The HTTP service frame without the MCP parts: what the router and the sandbox need, and all they load
// (the MCP SDK and the tool frame cost every process that imports them ~0.1 s of start-up CPU and ~10 MiB).

export { writeAudit } from './audit-log.js';
export { benchlingKeyFrom, benchlingKeyOf, benchlingKeyUserId, unverifiedUserId } from './caller-identity.js';
export { ConfigError, commonSettings, flag, list, loadConfig, loadConfigOrExit, logPolicy, orExitOnConfigError, port, positiveInt } from './config.js';
export { type CheckResult, type CheckStatus, type HealthChecks, type HealthReport, healthReport } from './health.js';
export { HttpError } from './http-error.js';
export {
  defaultRoute,
  type HttpServiceOptions,
  type MetricsPage,
  type RequestContext,
  type RunningService,
  runHttpService,
  type ServiceHandler,
  statusOnly,
} from './http-service.js';
export { createLogger, fingerprint, type Logger, type LogPolicy, REDACT_PATHS, standardOutput } from './logger.js';
export { createMetrics, type ServiceMetrics, statusClass, userOperationSettings } from './metrics.js';
export {
  hostName,
  isIpAddress,
  isLoopbackAddress,
  namesOnlyThisMachine,
  type OpsAccess,
  opsAccessOf,
  opsTokenCheck,
} from './ops-access.js';
export { applyOriginPolicy, type OriginPolicy, originAllowed, setCorsHeaders } from './origin-policy.js';
export { holdReady, type ManageOptions, manageProcess, type StoppableService } from './process-lifecycle.js';
export { redactUrl } from './redact-url.js';
export {
  BodyAbortedError,
  BodyTimeoutError,
  BodyTooLargeError,
  bufferedBody,
  DEFAULT_BODY_TIMEOUT_MS,
  MAX_BODY_TIMEOUT_MS,
  readBody,
} from './request-body.js';
export { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
export { sendJson, sendJsonRpcError } from './responses.js';
export { type ServiceProcess, startServiceProcess } from './service-process.js';
export * from './tracing/index.js';
export { httpUrlSetting } from './url-setting.js';
export { type OperationOutcome, OTHER_USER, type UserLabelMode, type UserOperationSettings, UserOperations } from './user-operations.js';
export { packageVersion } from './version.js';
