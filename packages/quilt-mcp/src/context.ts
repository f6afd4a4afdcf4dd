import { defineTool, type Caller, type Logger } from '@labmcp/service-kit';
import type { Principal } from '@labmcp/service-kit/auth';
import type { QuiltLimits } from './config.js';
import type { RegistryAccess } from './registry-access.js';

export interface RegistryRef {
  /** `s3://bucket` or `file:///abs/path` */
  url: string;
  kind: 's3' | 'local';
  isDefault: boolean;
}

export interface QuiltCaller extends Caller {
  userId: string;
  scopes: Set<string>;
  /** The verified token's claims (AWS credentials, catalog URL). */
  principal: Principal;
  /** The caller's bearer token, only for the Quilt catalog's credential exchange; never logged. */
  token: string;
}

/** What every Quilt tool gets besides its arguments. */
export interface QuiltToolContext {
  caller: QuiltCaller;
  registries: RegistryRef[];
  logger: Logger;
  /** Opens registries with this caller's credentials. */
  access: RegistryAccess;
  limits: QuiltLimits;
}

export const quiltTool = defineTool<QuiltToolContext>();
