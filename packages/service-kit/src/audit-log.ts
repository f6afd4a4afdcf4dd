import type { Logger } from 'pino';
import { logPolicyOf } from './logger.js';

/**
 * Writes one audit line (`"audit": true`, at info) through `log`, so it carries the request's bindings and trace id
 * like any other line. Unlike those, it is written even when LOG_LEVEL is above info: an operator who turns the
 * log down to warnings must not lose the record of who did what. Only `LABMCP_AUDIT_LOG=off` or `LOG_LEVEL=silent`
 * leave it out.
 */
export function writeAudit(log: Logger, fields: Record<string, unknown>, msg: string): void {
  if (!logPolicyOf(log).auditLog || log.level === 'silent') return;
  // A child at info only when the level is above it: the default configuration pays nothing for this.
  const target = log.isLevelEnabled('info') ? log : log.child({}, { level: 'info' });
  target.info({ audit: true, ...fields }, msg);
}
