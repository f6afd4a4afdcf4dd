import type { IncomingMessage } from 'node:http';

export const QUILT_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/quilt/mcp';

/** The public base URL as the client sees it: configured, or from the headers a proxy in front sets. */
export function publicBaseUrl(req: IncomingMessage, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  const forwardedProto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim();
  const forwardedHost = (req.headers['x-forwarded-host'] as string | undefined)?.split(',')[0]?.trim();
  return `${forwardedProto ?? 'http'}://${forwardedHost ?? req.headers.host ?? 'localhost'}`;
}

/** RFC 9728 protected-resource metadata for the Quilt MCP endpoint. */
export function quiltResourceMetadata(baseUrl: string, authorizationServers: string[]) {
  return {
    resource: `${baseUrl}/quilt/mcp`,
    authorization_servers: authorizationServers,
    scopes_supported: ['read:packages', 'write:packages'],
    bearer_methods_supported: ['header'],
    resource_name: 'labmcp Quilt MCP server',
  };
}

/** Adds `resource_metadata` to a Bearer challenge, so MCP clients can discover where to get a token. */
export function withResourceMetadata(challenge: string, metadataUrl: string): string {
  if (!/^bearer\b/i.test(challenge) || /resource_metadata=/i.test(challenge)) return challenge;
  const param = `resource_metadata="${metadataUrl}"`;
  return /^bearer\s*$/i.test(challenge) ? `Bearer ${param}` : `${challenge}, ${param}`;
}
