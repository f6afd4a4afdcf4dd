import { defineTool, type Logger } from '@labmcp/service-kit';
import type { QuiltCaller } from './auth/caller.js';
import type { QuiltLimits } from './config.js';
import type { RegistryAccess, RegistryRef } from './registry/index.js';

export type { QuiltCaller } from './auth/caller.js';
export type { RegistryRef } from './registry/index.js';

/** What every Quilt tool gets besides its arguments. */
export interface QuiltToolContext {
  caller: QuiltCaller;
  registries: RegistryRef[];
  logger: Logger;
  /** Opens registries with this caller's credentials. */
  access: RegistryAccess;
  limits: QuiltLimits;
}

/** Defines a Quilt tool; its failures are translated once, by `toToolError` (errors.ts), which server.ts gives the frame. */
export const quiltTool = defineTool<QuiltToolContext>();
