import type { IncomingHttpHeaders } from 'node:http';

export interface CredentialPolicy {
  /** Whether benchling-mcp needs the caller's Quilt JWT (service/either key modes, for the audit trail). */
  forwardBearerToBenchling: boolean;
}

function isBasic(authorization: string | undefined): boolean {
  return authorization !== undefined && /^basic\s/i.test(authorization);
}

function isBearer(authorization: string | undefined): boolean {
  return authorization !== undefined && /^bearer\s/i.test(authorization);
}

/**
 * Each service sees only the credential meant for it: quilt-mcp never gets a Benchling key (header or Basic),
 * benchling-mcp never gets the Quilt JWT unless its key mode needs it.
 */
export function isolateCredentials(service: string, headers: IncomingHttpHeaders, policy: CredentialPolicy): void {
  if (service === 'quilt-mcp') {
    delete headers['x-benchling-api-key'];
    if (isBasic(headers.authorization)) delete headers.authorization;
  } else if (service === 'benchling-mcp') {
    if (isBearer(headers.authorization) && !policy.forwardBearerToBenchling) delete headers.authorization;
  }
  delete headers['proxy-authorization'];
  delete headers.cookie;
}
