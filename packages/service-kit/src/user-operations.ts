import { createHash, createHmac } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';

/** How a user appears in the `user` label: a hash of the id (the default), the id itself, or not at all. */
export type UserLabelMode = 'hash' | 'id' | 'none';

export interface UserOperationSettings {
  /** Distinct users a process gives their own label; everyone after them is counted as `other`. */
  maxUsers: number;
  mode: UserLabelMode;
  /** Keys the hash (HMAC-SHA256), so a label cannot be matched against a list of guessed user ids. */
  hashKey?: string | undefined;
}

/** `cancelled`: the caller went away or cancelled, and the operation stopped because of it. */
export type OperationOutcome = 'ok' | 'user_error' | 'error' | 'cancelled';

/** The label of every user past the bound (and of every user with `mode: 'none'`). */
export const OTHER_USER = 'other';

export const DEFAULT_USER_OPERATION_SETTINGS: UserOperationSettings = { maxUsers: 100, mode: 'hash' };

/**
 * Operation counts per user: `labmcp_user_operations_total{tool, user, outcome}` (tool calls of the MCP servers)
 * and `labmcp_user_workflows_total{workflow, user, outcome}` (cross-service workflows). The `user` label is
 * bounded: the first `maxUsers` distinct users a process sees keep their own label for the life of the process,
 * everyone after them is `other`. A counter's series never move between labels, so rates stay correct; the bound
 * per metric is (tools or workflows) × (`maxUsers` + 1) × 4 outcomes per process.
 */
export class UserOperations {
  private readonly labels = new Map<string, string>();
  private readonly operations: Counter<'tool' | 'user' | 'outcome'>;
  private readonly workflows: Counter<'workflow' | 'user' | 'outcome'>;

  constructor(
    registry: Registry,
    private readonly settings: UserOperationSettings = DEFAULT_USER_OPERATION_SETTINGS,
  ) {
    this.operations = new Counter({
      name: 'labmcp_user_operations_total',
      help: `Tool calls per user (at most ${settings.maxUsers} users per process, the rest as "other"), by tool and outcome`,
      labelNames: ['tool', 'user', 'outcome'],
      registers: [registry],
    });
    this.workflows = new Counter({
      name: 'labmcp_user_workflows_total',
      help: `Cross-service workflows per user (at most ${settings.maxUsers} users per process, the rest as "other"), by workflow and outcome`,
      labelNames: ['workflow', 'user', 'outcome'],
      registers: [registry],
    });
  }

  /** One tool call by `userId` (the id the server authenticated: JWT subject, or a key fingerprint). */
  tool(tool: string, userId: string, outcome: OperationOutcome): void {
    this.operations.inc({ tool, user: this.userLabel(userId), outcome });
  }

  /** One run of a cross-service workflow (a fixed name, never built from input) by `userId`. */
  workflow(workflow: string, userId: string, outcome: OperationOutcome): void {
    this.workflows.inc({ workflow, user: this.userLabel(userId), outcome });
  }

  /** The `user` label of a user id: its own while under the bound, `other` past it. */
  userLabel(userId: string): string {
    const known = this.labels.get(userId);
    if (known !== undefined) return known;
    if (this.settings.mode === 'none' || this.labels.size >= this.settings.maxUsers) return OTHER_USER;
    const label = this.settings.mode === 'id' ? userId : this.hash(userId);
    this.labels.set(userId, label);
    return label;
  }

  private hash(userId: string): string {
    const digest = this.settings.hashKey ? createHmac('sha256', this.settings.hashKey) : createHash('sha256');
    // 16 hex characters: no collisions among a few hundred users, and nothing to read back.
    return `u${digest.update(userId).digest('hex').slice(0, 16)}`;
  }
}
