import { defineTool, type Logger } from '@labmcp/service-kit';
import type { BenchlingCaller } from './keys.js';

/** What every Benchling tool gets besides its arguments. */
export interface BenchlingToolContext {
  caller: BenchlingCaller;
  /** Tenant base URL, without /api/v2. */
  baseUrl: string;
  logger: Logger;
}

export const benchlingTool = defineTool<BenchlingToolContext>();
