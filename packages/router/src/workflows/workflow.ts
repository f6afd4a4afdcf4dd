import type { Logger } from '@labmcp/service-kit/service';
import { z } from 'zod';
import type { BackendName } from '../mcp/names.js';

/** What a workflow tool may do: call the servers' own tools as the caller, and report progress. */
export interface WorkflowContext {
  /** Calls a server's tool with the caller's credential for it; its structured result, or a WorkflowError. */
  call: (backend: BackendName, tool: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;
  progress: (done: number, total?: number, message?: string) => Promise<void>;
  signal: AbortSignal;
  log: Logger;
  /** The router's version, recorded in what a workflow writes. */
  version: string;
}

/** A failure the caller can act on; becomes an `isError` result with this message. */
export class WorkflowError extends Error {
  override readonly name = 'WorkflowError';
}

export interface WorkflowTool<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: { readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean };
  /** The servers' tools it calls: it is listed only to a caller whose lists hold them all. */
  needs: Record<BackendName, string[]>;
  run: (args: z.infer<I>, ctx: WorkflowContext) => Promise<z.infer<O>>;
}

export function defineWorkflow<I extends z.ZodObject, O extends z.ZodObject>(tool: WorkflowTool<I, O>): WorkflowTool {
  return tool as unknown as WorkflowTool;
}

/** The tool as `tools/list` shows it. */
export function listedWorkflow(tool: WorkflowTool): Record<string, unknown> {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.input, { io: 'input' }),
    outputSchema: z.toJSONSchema(tool.output, { io: 'output' }),
    annotations: { title: tool.title, ...tool.annotations },
  };
}
