/** The one place where benchling-mcp's failures become tool results (a ToolError with a code from the catalogue). */
import { ToolError } from '@labmcp/service-kit';
import { BenchlingError } from './benchling/errors.js';

/** A Benchling failure keeps its kind as the code; anything else is not the caller's to fix (an internal error). */
export function toToolError(err: unknown): ToolError | undefined {
  if (err instanceof ToolError) return err;
  if (err instanceof BenchlingError) return new ToolError(err.message, err.kind);
  return undefined;
}
