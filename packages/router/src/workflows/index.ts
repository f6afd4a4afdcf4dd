import type { WorkflowTool } from './workflow.js';

/** The cross-service tools served at `/mcp`. */
export const workflowTools: WorkflowTool[] = [];
