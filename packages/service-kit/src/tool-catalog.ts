/**
 * The names of this process's tools that declare `readOnlyHint: true`, as `defineTool` sees them defined. A
 * module of its own, without the MCP SDK, so the HTTP service frame can report them in `/health` (the router reads
 * them there to know which calls it may send twice) without loading the tool frame.
 */
const readOnly = new Set<string>();
const all = new Set<string>();
let defined = false;

export function recordTool(name: string, readOnlyHint: boolean | undefined): void {
  defined = true;
  all.add(name);
  if (readOnlyHint === true) readOnly.add(name);
  else readOnly.delete(name);
}

/** The read-only tool names, sorted; undefined in a process that defines no tools (the router, the sandbox). */
export function readOnlyToolNames(): string[] | undefined {
  return defined ? [...readOnly].sort() : undefined;
}

/** How many tools this process defines; undefined in a process that defines none. */
export function toolCount(): number | undefined {
  return defined ? all.size : undefined;
}
