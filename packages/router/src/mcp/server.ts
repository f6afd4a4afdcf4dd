import { type Logger, type OperationOutcome, OTHER_USER, type UserOperations, unverifiedUserId, writeAudit } from '@labmcp/service-kit/service';
import { type CallToolResult, type McpServerFactory, ProtocolError, ProtocolErrorCode, Server, type Tool } from '@modelcontextprotocol/server';
import type { Counter } from 'prom-client';
import { WorkflowError, type WorkflowTool } from '../workflows/workflow.js';
import { type Backend, BackendFailure, type CallerHeaders, type CallResult } from './backend.js';
import type { CallerTools, MergedCatalog } from './catalog.js';
import { type BackendName, backendToolOf, mergedName } from './names.js';

/** What the router's HTTP handling hands each request's MCP server (through AuthInfo.extra.caller). */
export interface McpCaller {
  headers: CallerHeaders;
  /** The caller's tools, when the router already asked the servers for this request (a `tools/list`). */
  tools?: CallerTools;
  /** Whether a server accepted the caller's credential on a call (for the rate limit of unaccepted credentials). */
  answered: (accepted: boolean) => void;
}

export interface MergedServerDeps {
  version: string;
  logger: Logger;
  catalog: MergedCatalog;
  backends: ReadonlyMap<BackendName, Backend>;
  workflows: ReadonlyMap<string, WorkflowTool>;
  upstreamErrors: Counter<'upstream' | 'kind'>;
  /** Per-user workflow counts (docs/operations.md). */
  userOperations: UserOperations;
}

const INSTRUCTIONS =
  'One connection to both lab services. quilt_* tools browse, search, verify and publish Quilt data packages; benchling_* tools ' +
  'read and create Benchling notebook entries, sequences and entities; lab_* tools work across the two (package a Benchling ' +
  'entry into Quilt, find the packages that cite a Benchling object, and check the Benchling objects a package cites). ' +
  'Only the tools your credentials allow are listed.';

/** The `_meta` key of a `tools/list` answer that names the servers whose tools are missing from it, and why. */
export const UNAVAILABLE_META = 'io.labmcp/unavailable';

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** One MCP server per request (stateless): lists the caller's merged tools, and sends each call to its server. */
export function mergedServerFactory(deps: MergedServerDeps): McpServerFactory {
  return (ctx) => {
    const caller = ctx.authInfo?.extra?.caller as McpCaller | undefined;
    if (!caller) throw new Error('MCP request reached the /mcp server factory without its caller');
    const server = new Server({ name: 'labmcp', version: deps.version }, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });

    server.setRequestHandler('tools/list', async (_request, rctx) => {
      const tools = caller.tools ?? (await deps.catalog.forCaller(caller.headers, rctx.mcpReq.signal));
      const missing = [...tools.unavailable, ...tools.refused].map(({ service, message }) => ({ service, message }));
      return { tools: tools.tools as unknown as Tool[], ...(missing.length > 0 && { _meta: { [UNAVAILABLE_META]: missing } }) };
    });

    server.setRequestHandler('tools/call', async (request, rctx) => {
      const { name } = request.params;
      const args = request.params.arguments;
      const progressToken = rctx.mcpReq._meta?.progressToken;
      const notifyProgress = (params: Record<string, unknown>) => {
        void rctx.mcpReq.notify({ method: 'notifications/progress', params: params as { progressToken: string | number; progress: number } }).catch(() => {});
      };
      const workflow = deps.workflows.get(name);
      if (workflow) return runWorkflow(workflow, args, caller, deps, rctx.mcpReq.signal, progressToken, notifyProgress);
      const target = backendToolOf(name);
      const backend = target && deps.backends.get(target.backend);
      if (!target || !backend) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
      try {
        const result = await backend.call(caller.headers, target.tool, args, {
          signal: rctx.mcpReq.signal,
          ...(progressToken !== undefined && { progressToken, onProgress: notifyProgress }),
        });
        caller.answered(true);
        return result as CallToolResult;
      } catch (err) {
        return failedCall(err, backend, caller, deps);
      }
    });
    return server;
  };
}

/** A call that got no answer from its server, as the caller should see it; a JSON-RPC error passes as it was. */
function failedCall(err: unknown, backend: Backend, caller: McpCaller, deps: MergedServerDeps): CallToolResult {
  if (!(err instanceof BackendFailure)) throw err;
  if (err.kind === 'rpc' && err.rpc) throw new ProtocolError(err.rpc.code, err.rpc.message, err.rpc.data);
  if (err.kind === 'refused') caller.answered(false);
  else if (err.kind !== 'bad_response') deps.upstreamErrors.inc({ upstream: backend.service, kind: err.kind === 'timeout' ? 'timeout' : 'unavailable' });
  deps.logger.warn({ upstream: backend.service, requestId: caller.headers.requestId, kind: err.kind }, 'call through /mcp failed upstream');
  return errorResult(err.message);
}

async function runWorkflow(
  workflow: WorkflowTool,
  rawArgs: Record<string, unknown> | undefined,
  caller: McpCaller,
  deps: MergedServerDeps,
  signal: AbortSignal,
  progressToken: string | number | undefined,
  notifyProgress: (params: Record<string, unknown>) => void,
): Promise<CallToolResult> {
  const parsed = workflow.input.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Input validation error: Invalid arguments for tool ${workflow.name}: ${parsed.error.message}`);
  }
  const started = performance.now();
  const log = deps.logger.child({ tool: workflow.name, requestId: caller.headers.requestId });
  let outcome: OperationOutcome = 'ok';
  // Whether a server answered one of its calls, i.e. accepted the caller's credential: only then does the run
  // count under the (unverified) user id the credential names.
  let accepted = false;
  try {
    const result = await workflow.run(parsed.data, {
      signal,
      log,
      version: deps.version,
      progress: async (progress, total, message) => {
        if (progressToken === undefined) return;
        notifyProgress({ progressToken, progress, ...(total !== undefined && { total }), ...(message && { message }) });
      },
      call: async (backendName, tool, args) => {
        const backend = deps.backends.get(backendName);
        if (!backend) throw new WorkflowError(`No ${backendName} server is configured`);
        let result: CallResult;
        try {
          result = await backend.call(caller.headers, tool, args, { signal });
        } catch (err) {
          if (err instanceof BackendFailure) throw new WorkflowError(`${mergedName(backendName, tool)}: ${err.message}`);
          throw err;
        }
        accepted = true;
        if (result.isError) {
          const text = (result.content as { text?: string }[] | undefined)?.map((c) => c.text ?? '').join(' ');
          throw new WorkflowError(`${mergedName(backendName, tool)} failed: ${text || 'no reason given'}`);
        }
        return (result.structuredContent as Record<string, unknown> | undefined) ?? {};
      },
    });
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result as Record<string, unknown> };
  } catch (err) {
    // The caller went away or cancelled, and the workflow stopped because of it: not a failure of ours.
    if (signal.aborted) {
      outcome = 'cancelled';
      return errorResult(`${workflow.name} was cancelled.`);
    }
    if (err instanceof WorkflowError) {
      outcome = 'user_error';
      return errorResult(err.message);
    }
    outcome = 'error';
    log.error({ err }, 'workflow failed');
    return errorResult(`${workflow.name} failed because of an internal error; it has been logged.`);
  } finally {
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    writeAudit(log, { event: 'tool_call', tool: workflow.name, outcome, durationMs }, 'tool call');
    deps.userOperations.workflow(workflow.name, (accepted && unverifiedUserId(caller.headers.incoming)) || OTHER_USER, outcome);
  }
}
