/**
 * The names tools have at the router's `/mcp`: each server's tools under its own prefix, so the two lists cannot
 * collide, in the character set every major client accepts.
 */
export const MERGED_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A server behind `/mcp`, by the prefix its tools carry there. */
export type BackendName = 'quilt' | 'benchling';

export const BACKEND_NAMES: readonly BackendName[] = ['quilt', 'benchling'];

export function mergedName(backend: BackendName, tool: string): string {
  return `${backend}_${tool}`;
}

/** The server and its own tool name for a name from `/mcp`'s list; undefined for one that has no server prefix. */
export function backendToolOf(name: string): { backend: BackendName; tool: string } | undefined {
  for (const backend of BACKEND_NAMES) {
    if (name.startsWith(`${backend}_`) && name.length > backend.length + 1) return { backend, tool: name.slice(backend.length + 1) };
  }
  return undefined;
}
