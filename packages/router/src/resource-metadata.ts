export const QUILT_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/quilt/mcp';
/** The same, on Quilt's own host (ROUTER_SERVICE_HOSTS), where the endpoint is `/mcp`. */
export const QUILT_HOST_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';

/** RFC 9728 protected-resource metadata for the Quilt MCP endpoint (at `endpointPath` of `baseUrl`). */
export function quiltResourceMetadata(baseUrl: string, authorizationServers: string[], endpointPath = '/quilt/mcp') {
  return {
    resource: `${baseUrl}${endpointPath}`,
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
