import type { AuthInfo, ListToolsResult, McpServer, RegisteredTool, ServerContext, ToolAnnotations } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { writeAudit } from './audit-log.js';
import type { ServiceMetrics } from './metrics.js';
import { recordTool } from './tool-catalog.js';
import { ToolError, type ToolErrorTranslator } from './tool-errors.js';
import { type ActiveSpan, adoptTraceparent, currentTrace, inSpan } from './tracing/trace.js';
import type { OperationOutcome } from './user-operations.js';

export interface ToolRunContext {
  userId: string;
  log: Logger;
  signal: AbortSignal;
  /** Reports progress when the client asked for it (a progress token); otherwise a no-op. */
  progress: (progress: number, total?: number, message?: string) => Promise<void>;
}

export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject, C> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** A scope the caller must hold (checked before `run`; a missing one is an `isError` result naming it). */
  scope?: string;
  /** Ids the call touches, for the audit line. */
  targets?: (args: z.infer<I>) => Record<string, unknown>;
  /** The text block shown to clients that don't read structuredContent; defaults to the JSON. */
  summarize?: (result: z.infer<O>) => string;
  run: (args: z.infer<I>, ctx: C & ToolRunContext) => Promise<z.infer<O>>;
}

// Lets one list hold tools with different schemas; each definition is checked where it is written.
// biome-ignore lint/suspicious/noExplicitAny: one list holds tools of different schemas; each is checked where it is defined
export type AnyTool<C> = ToolDefinition<any, any, C>;

/**
 * `defineTool<Ctx>()({...})`: fixes the context type once per server, so each tool's argument and result types
 * are inferred from its own schemas. Each tool defined is recorded in the process's tool catalog (its read-only
 * ones are named in `/health`).
 */
export function defineTool<C>() {
  return <I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O, C>): ToolDefinition<I, O, C> => {
    // Known to /health from here on (see tool-catalog.ts): the router retries only calls of read-only tools.
    recordTool(tool.name, tool.annotations.readOnlyHint);
    return tool;
  };
}

/** The caller's side of one call: who, what they may do, and what the tools get for them. */
export interface CallerContext<C> {
  userId: string;
  /** The caller's scopes, where tools declare one they need. */
  scopes?: ReadonlySet<string>;
  context: C;
}

export interface RegisterToolsOptions<C> {
  /** Audit lines go here; they name the service by the logger's own `service` field. */
  logger: Logger;
  metrics: ServiceMetrics;
  /**
   * The caller of each call, from the request's AuthInfo (where `mcpRoute` puts it). Read per call, not when the
   * server is built, so that one server can serve every caller (see mcp-endpoint.ts, the shared server).
   */
  callerContext: (authInfo: AuthInfo | undefined) => CallerContext<C>;
  /** The server's one translation of its domain errors into ToolErrors (a ToolError passes as it is). */
  toToolError?: ToolErrorTranslator;
}

/** Registers tools with audit logging, metrics and the ToolError → `isError` convention around each. */
export function registerTools<C>(server: McpServer, tools: AnyTool<C>[], options: RegisterToolsOptions<C>): void {
  const { logger, metrics, callerContext, toToolError } = options;
  const scoped: { tool: RegisteredTool; scope: string }[] = [];
  for (const tool of tools) {
    // One per tool, not per call: a pino child logger serialises its bindings when made.
    const log = logger.child({ tool: tool.name });
    const registered = server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: { title: tool.title, ...tool.annotations },
      },
      inToolSpan(tool.name, async (args: unknown, ctx: ServerContext, span: ActiveSpan) => {
        const started = performance.now();
        const { userId, scopes, context } = callerContext(ctx.http?.authInfo);
        const progressToken = ctx.mcpReq._meta?.progressToken;
        const progress = async (done: number, total?: number, message?: string) => {
          if (progressToken === undefined) return;
          await ctx.mcpReq
            .notify({
              method: 'notifications/progress',
              params: { progressToken, progress: done, ...(total !== undefined && { total }), ...(message && { message }) },
            })
            .catch(() => {});
        };
        let targets: Record<string, unknown> | undefined;
        try {
          targets = tool.targets?.(args);
        } catch {
          targets = undefined;
        }
        let outcome: OperationOutcome = 'ok';
        let errorMessage: string | undefined;
        try {
          if (tool.scope && !scopes?.has(tool.scope)) {
            throw new ToolError(`${tool.name} needs the ${tool.scope} scope, which your token does not grant.`, 'insufficient_scope');
          }
          const result = await tool.run(args, { ...context, userId, log, signal: ctx.mcpReq.signal, progress });
          return {
            content: [{ type: 'text' as const, text: tool.summarize ? tool.summarize(result) : JSON.stringify(result) }],
            structuredContent: result as Record<string, unknown>,
          };
        } catch (err) {
          // The caller went away (or cancelled) and the tool stopped because of it: not a failure of ours, and
          // nobody reads the answer. (A tool that finished its work although the caller left counts as ok.)
          if (ctx.mcpReq.signal.aborted) {
            outcome = 'cancelled';
            return { content: [{ type: 'text' as const, text: `${tool.name} was cancelled.` }], isError: true };
          }
          const known = err instanceof ToolError ? err : toToolError?.(err);
          if (known !== undefined) {
            outcome = 'user_error';
            errorMessage = known.message;
            return { content: [{ type: 'text' as const, text: known.message }], isError: true };
          }
          outcome = 'error';
          log.error({ err }, 'tool failed');
          return { content: [{ type: 'text' as const, text: `${tool.name} failed because of an internal error; it has been logged.` }], isError: true };
        } finally {
          const durationMs = Math.round((performance.now() - started) * 10) / 10;
          if (outcome !== 'ok') span.fail(outcome);
          metrics.toolCalls.inc({ tool: tool.name, outcome });
          metrics.userOperations.tool(tool.name, userId, outcome);
          metrics.toolDuration.observe({ tool: tool.name }, durationMs / 1000);
          writeAudit(
            logger,
            { event: 'tool_call', userId, tool: tool.name, targets, outcome, durationMs, ...(errorMessage && { error: errorMessage }) },
            'tool call',
          );
        }
      }),
    );
    if (tool.scope) scoped.push({ tool: registered, scope: tool.scope });
  }
  if (scoped.length > 0) listGrantedOnly(server, scoped, callerContext);
}

/**
 * `tools/list` shows only the tools the caller may use (the router's `/mcp` builds each caller's tool list from
 * these answers), while a call of one of the others still gets the `isError` result that names the missing scope
 * rather than the SDK's bare "tool not found". The caller is read from the request, as for calls, so one server can
 * answer every caller. The SDK filters its list by each tool's `enabled` flag, read as the list is built, which
 * happens synchronously when its handler is invoked: the tools are switched off for just that.
 */
function listGrantedOnly<C>(
  server: McpServer,
  scoped: { tool: RegisteredTool; scope: string }[],
  callerContext: (authInfo: AuthInfo | undefined) => CallerContext<C>,
): void {
  const protocol = server.server as unknown as { _getRequestHandler(method: string): ((request: unknown, ctx: unknown) => Promise<unknown>) | undefined };
  const sdkList = protocol._getRequestHandler('tools/list');
  if (!sdkList) return;
  server.server.setRequestHandler('tools/list', (request, ctx) => {
    const { scopes } = callerContext(ctx.http?.authInfo);
    const hidden = scoped.filter(({ scope }) => !scopes?.has(scope)).map(({ tool }) => tool);
    for (const tool of hidden) tool.enabled = false;
    try {
      return sdkList(request, ctx) as Promise<ListToolsResult>;
    } finally {
      for (const tool of hidden) tool.enabled = true;
    }
  });
}

/**
 * Runs a tool call in a span of its own (while spans are exported). A client's trace named in the request's `_meta`
 * (MCP's per-message trace context) is joined first when no `traceparent` header brought one; through the router
 * the header is always there (the router turns a client's `_meta.traceparent` into it).
 */
function inToolSpan<R>(
  name: string,
  handler: (args: unknown, ctx: ServerContext, span: ActiveSpan) => Promise<R>,
): (args: unknown, ctx: ServerContext) => Promise<R> {
  return (args, ctx) => {
    adoptTraceparent(currentTrace(), ctx.mcpReq._meta?.traceparent);
    return inSpan(`tools/call ${name}`, 'internal', { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': name }, (span) => handler(args, ctx, span));
  };
}
