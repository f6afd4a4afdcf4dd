export {
  API_PREFIX,
  MAX_CONNECTIONS,
  createSandboxServer,
  routeLabel,
  SERVICE_NAME,
  storeFileFor,
  type Sandbox,
  type SandboxHandler,
  type SandboxLogger,
  type SandboxOptions,
} from './server.js';
export { DEMO_IDS, DEMO_KEYS, DEMO_REGISTRY_ID, DEMO_USERS } from './seed/demo-ids.js';
export { seedTenant } from './seed/index.js';
export { FaultInjector, type Fault, type FaultBody, type FaultOptions, type StatusFault, type DelayFault } from './faults.js';
export { DEFAULT_RATE_LIMIT, FixedWindowRateLimiter, type RateLimitOptions } from './rate-limit.js';
export { DEFAULT_STORE_LIMITS, StoreBusyError, StoreCorruptError, StoreLimitError, TenantStore, type StoreLimits } from './store/tenant-store.js';
export type * from './store/types.js';
export { ApiError, type ErrorBody } from './http/errors.js';
export { DEFAULT_MAX_BODY_BYTES } from './http/body.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './paging.js';
export { OPERATIONS, type Operation } from './resources/index.js';
