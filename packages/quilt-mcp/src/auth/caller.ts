import type { Caller } from '@labmcp/service-kit';
import type { Principal } from '@labmcp/service-kit/auth';

/** Who is calling a Quilt tool: the verified token's identity, scopes and claims. */
export interface QuiltCaller extends Caller {
  userId: string;
  scopes: Set<string>;
  /** The verified token's claims (AWS credentials, catalog URL). */
  principal: Principal;
  /** The caller's bearer token, only for the Quilt catalog's credential exchange; never logged. */
  token: string;
}
