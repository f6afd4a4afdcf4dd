export { type DelayFault, type Fault, type FaultBody, FaultInjector, type FaultOptions, type StatusFault } from './faults.js';
export { DEFAULT_MAX_BODY_BYTES } from './http/body.js';
export { ApiError, type ErrorBody } from './http/errors.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging.js';
export { DEFAULT_RATE_LIMIT, FixedWindowRateLimiter, type RateLimitOptions } from './rate-limit.js';
export { OPERATIONS, type Operation } from './resources/index.js';
export { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID, DEMO_USERS } from './seed/demo-ids.js';
export { seedTenant } from './seed/index.js';
export {
  API_PREFIX,
  createSandboxServer,
  MAX_CONNECTIONS,
  routeLabel,
  type Sandbox,
  type SandboxHandler,
  type SandboxLogger,
  type SandboxOptions,
  SERVICE_NAME,
  storeFileFor,
} from './server.js';
export { DEFAULT_STORE_LIMITS, StoreBusyError, StoreCorruptError, StoreLimitError, type StoreLimits, TenantStore } from './store/tenant-store.js';
export type * from './store/types.js';
