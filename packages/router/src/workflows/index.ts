import { benchlingForPackage } from './benchling-for-package.js';
import { packageBenchlingEntry } from './package-entry.js';
import { packagesCitingBenchling } from './packages-citing.js';
import type { WorkflowTool } from './workflow.js';

/** The cross-service tools served at `/mcp`. */
export const workflowTools: WorkflowTool[] = [packageBenchlingEntry, packagesCitingBenchling, benchlingForPackage];
