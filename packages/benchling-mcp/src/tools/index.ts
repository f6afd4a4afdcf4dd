import type { AnyTool } from '@labmcp/service-kit';
import type { BenchlingToolContext } from '../context.js';
import { projectsList } from './projects-list.js';

export const benchlingTools: AnyTool<BenchlingToolContext>[] = [projectsList];
