import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AUTH_ERROR_REASONS } from './auth/errors.js';
import { DEFAULT_USER_OPERATION_SETTINGS, type UserOperationSettings, UserOperations } from './user-operations.js';

export interface ServiceMetrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status_class'>;
  httpDuration: Histogram<'route' | 'status_class'>;
  activeRequests: Gauge;
  toolCalls: Counter<'tool' | 'outcome'>;
  toolDuration: Histogram<'tool'>;
  authFailures: Counter<'reason'>;
  /** Full collections run because the process went quiet (idle-trim.ts; only with `--expose-gc`). */
  idleTrims: Counter;
  /** Tool calls and cross-service workflows per user, with a bounded `user` label (user-operations.ts). */
  userOperations: UserOperations;
}

/** The per-user metric settings from a process's configuration (the `LABMCP_METRICS_USER*` settings). */
export function userOperationSettings(config: {
  LABMCP_METRICS_USERS: number;
  LABMCP_METRICS_USER_LABEL: UserOperationSettings['mode'];
  LABMCP_METRICS_USER_HASH_KEY?: string | undefined;
}): UserOperationSettings {
  return { maxUsers: config.LABMCP_METRICS_USERS, mode: config.LABMCP_METRICS_USER_LABEL, hashKey: config.LABMCP_METRICS_USER_HASH_KEY };
}

/** One registry per process, every series labelled with the service, plus Node's process metrics (memory, CPU). */
export function createMetrics(service: string, users: UserOperationSettings = DEFAULT_USER_OPERATION_SETTINGS): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'labmcp_' });
  const authFailures = new Counter({
    name: 'labmcp_auth_failures_total',
    help: 'Requests refused for authentication, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason from the start, at zero: dashboards and alerts see the whole (closed) set, not only what happened.
  for (const reason of AUTH_ERROR_REASONS) authFailures.inc({ reason }, 0);
  return {
    registry,
    httpRequests: new Counter({
      name: 'labmcp_http_requests_total',
      help: 'HTTP requests answered, by route and status class',
      labelNames: ['route', 'status_class'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'labmcp_http_request_duration_seconds',
      help: 'Time from request to the end of the response',
      labelNames: ['route', 'status_class'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    activeRequests: new Gauge({ name: 'labmcp_http_active_requests', help: 'Requests being served now', registers: [registry] }),
    toolCalls: new Counter({
      name: 'labmcp_tool_calls_total',
      help: 'MCP tool calls, by tool and outcome',
      labelNames: ['tool', 'outcome'],
      registers: [registry],
    }),
    toolDuration: new Histogram({
      name: 'labmcp_tool_call_duration_seconds',
      help: 'MCP tool call duration',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    authFailures,
    idleTrims: new Counter({
      name: 'labmcp_idle_memory_trims_total',
      help: 'Full garbage collections run to give memory back once the process went quiet (only with node --expose-gc)',
      registers: [registry],
    }),
    userOperations: new UserOperations(registry, users),
  };
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
