import { readOnlyToolNames, toolCount } from './tool-catalog.js';

export type CheckStatus = 'ok' | 'degraded' | 'down';

export interface CheckResult {
  status: CheckStatus;
  [detail: string]: unknown;
}

export type HealthChecks = () => Promise<Record<string, CheckResult>> | Record<string, CheckResult>;

export interface HealthReport {
  status: CheckStatus;
  service: string;
  version: string;
  uptimeSeconds: number;
  checks: Record<string, CheckResult>;
  /**
   * The tools of this process that only read (`readOnlyHint: true`), in a process that has tools: what the router
   * may send again when a connection fails under a call; any other call it never sends twice.
   */
  readOnlyTools?: string[];
  /** How many tools the process defines, in a process that has tools (the router's front page shows it). */
  tools?: number;
}

const CHECK_TIMEOUT_MS = 2000;

/** Runs the service's checks (bounded in time, so a hung dependency reads as down rather than hanging /health). */
export async function healthReport(service: string, version: string, startedAt: number, checks?: HealthChecks): Promise<HealthReport> {
  let results: Record<string, CheckResult> = {};
  if (checks) {
    let timer: NodeJS.Timeout | undefined;
    try {
      results = await Promise.race([
        Promise.resolve(checks()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`health checks took longer than ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      results = { checks: { status: 'down', error: (err as Error).message } };
    } finally {
      clearTimeout(timer);
    }
  }
  const statuses = Object.values(results).map((r) => r.status);
  const status: CheckStatus = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';
  const readOnly = readOnlyToolNames();
  const tools = toolCount();
  return {
    status,
    service,
    version,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    checks: results,
    ...(readOnly && { readOnlyTools: readOnly }),
    ...(tools !== undefined && { tools }),
  };
}
