import type { AnyTool } from '@labmcp/service-kit';
import type { QuiltToolContext } from '../context.js';
import { registriesList } from './registries-list.js';

export const quiltTools: AnyTool<QuiltToolContext>[] = [registriesList];
