import { createHash } from 'node:crypto';
import type { Logger } from '@labmcp/service-kit/service';
import { LRUCache } from 'lru-cache';
import { listedWorkflow, type WorkflowTool } from '../workflows/workflow.js';
import type { Backend, CallerHeaders, ListAnswer, ListedTool } from './backend.js';
import { BACKEND_NAMES, type BackendName, MERGED_TOOL_NAME, mergedName } from './names.js';

/** What one caller can use at `/mcp`, from what each server listed for their credentials. */
export interface CallerTools {
  tools: ListedTool[];
  /** Names the distinct answers this list was made from: equal digests, equal lists. */
  digest: string;
  /** Servers that could not be asked (down, restarting). */
  unavailable: { service: string; message: string }[];
  /** Servers that refused the caller's credentials (or got none). */
  refused: { service: string; status: number; message: string; challenge?: string }[];
}

/**
 * The merged tool list, made from each server's own `tools/list` answer for the caller's credentials (so whatever
 * decides what a caller may use — a key, a token's scopes, a future key mode — is the server's alone), and kept
 * per distinct set of answers: callers with the same access share one merged list, and there are few such sets.
 */
export class MergedCatalog {
  private readonly merged: LRUCache<string, ListedTool[]>;

  constructor(
    private readonly backends: Backend[],
    private readonly workflows: WorkflowTool[],
    private readonly logger: Logger,
    maxEntries = 32,
  ) {
    this.merged = new LRUCache({ max: maxEntries });
  }

  async forCaller(caller: CallerHeaders, signal?: AbortSignal): Promise<CallerTools> {
    const answers = await Promise.all(this.backends.map((b) => b.list(caller, signal)));
    const key = answers.map((a, i) => `${this.backends[i]!.name}:${a.kind === 'ok' ? a.digest : a.kind}`).join('|');
    let tools = this.merged.get(key);
    if (!tools) {
      tools = this.build(answers);
      this.merged.set(key, tools);
    }
    const unavailable: CallerTools['unavailable'] = [];
    const refused: CallerTools['refused'] = [];
    answers.forEach((answer, i) => {
      const service = this.backends[i]!.service;
      if (answer.kind === 'unavailable') unavailable.push({ service, message: answer.message });
      if (answer.kind === 'refused')
        refused.push({ service, status: answer.status, message: answer.message, ...(answer.challenge && { challenge: answer.challenge }) });
    });
    return { tools, digest: createHash('sha256').update(key).digest('base64url').slice(0, 22), unavailable, refused };
  }

  private build(answers: ListAnswer[]): ListedTool[] {
    const tools: ListedTool[] = [];
    const listed = new Map<BackendName, Set<string>>();
    answers.forEach((answer, i) => {
      if (answer.kind !== 'ok') return;
      const backend = this.backends[i]!;
      listed.set(backend.name, new Set(answer.tools.map((t) => t.name)));
      for (const tool of answer.tools) {
        const name = mergedName(backend.name, tool.name);
        if (!MERGED_TOOL_NAME.test(name)) {
          this.logger.warn({ upstream: backend.service, tool: tool.name }, 'tool left out of /mcp: its prefixed name is not one clients accept');
          continue;
        }
        tools.push({ ...tool, name });
      }
    });
    for (const workflow of this.workflows) {
      const usable = BACKEND_NAMES.every((b) => workflow.needs[b].every((tool) => listed.get(b)?.has(tool)));
      if (usable) tools.push(listedWorkflow(workflow) as ListedTool);
    }
    return tools;
  }
}
