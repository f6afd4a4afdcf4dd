/** What the configurations are filled in with: the router's public URL and what is known of the servers' modes. */
export interface ConfigContext {
  /** The public base URL, without a trailing slash. */
  baseUrl: string;
  /** Quilt checks tokens against the demo key (undefined: not known to this viewer). */
  demoAuth: boolean | undefined;
  /** Benchling is the bundled sandbox (undefined: not known to this viewer). */
  sandbox: boolean | undefined;
  /** Whether the router serves the merged endpoint `/mcp` (both credentials on one connection). */
  mergedMcp: boolean;
}

export interface ClientConfig {
  id: string;
  title: string;
  /** Where it goes. */
  where: string;
  text: string;
}

// The placeholders and demo values are docs/clients.md's; the demo Benchling keys are the sandbox's, public by design.
const DEMO_QUILT_AUTH = 'Bearer <the output of: npm run --silent token>';
const QUILT_AUTH = 'Bearer <your Quilt JWT>';
const DEMO_BENCHLING_KEY = 'sandbox-key-alice';
const BENCHLING_KEY = '<your Benchling API key>';
const MCP_REMOTE = 'mcp-remote@0.15.1';
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

/** `${name}`: a variable the client itself fills in (mcp-remote from `env`, VS Code from `inputs`). */
function ref(name: string): string {
  return `\${${name}}`;
}

/**
 * Ready-to-copy client configurations, the same as docs/clients.md's with this server's URL: Claude Desktop and
 * Cursor through `mcp-remote`, Cursor's own HTTP client, VS Code, the MCP Inspector's CLI, and curl. They never
 * hold a real credential: placeholders, or the sandbox's public demo key when Benchling is the sandbox.
 */
export function clientConfigs(ctx: ConfigContext): ClientConfig[] {
  const quiltUrl = `${ctx.baseUrl}/quilt/mcp`;
  const benchlingUrl = `${ctx.baseUrl}/benchling/mcp`;
  const mergedUrl = `${ctx.baseUrl}/mcp`;
  const quiltAuth = ctx.demoAuth ? DEMO_QUILT_AUTH : QUILT_AUTH;
  const benchlingKey = ctx.sandbox ? DEMO_BENCHLING_KEY : BENCHLING_KEY;
  const json = (value: unknown) => prettyJson(value);

  const remote = (url: string, header: string) => ({ command: 'npx', args: ['-y', MCP_REMOTE, url, '--transport', 'http-only', '--header', header] });
  const claude = {
    mcpServers: {
      quilt: { ...remote(quiltUrl, `Authorization:${ref('QUILT_AUTH')}`), env: { QUILT_AUTH: quiltAuth } },
      benchling: { ...remote(benchlingUrl, `X-Benchling-API-Key:${ref('BENCHLING_KEY')}`), env: { BENCHLING_KEY: benchlingKey } },
      ...(ctx.mergedMcp && {
        labmcp: {
          command: 'npx',
          args: [
            '-y',
            MCP_REMOTE,
            mergedUrl,
            '--transport',
            'http-only',
            '--header',
            `Authorization:${ref('QUILT_AUTH')}`,
            '--header',
            `X-Benchling-API-Key:${ref('BENCHLING_KEY')}`,
          ],
          env: { QUILT_AUTH: quiltAuth, BENCHLING_KEY: benchlingKey },
        },
      }),
    },
  };
  const cursor = {
    mcpServers: {
      quilt: { url: quiltUrl, headers: { Authorization: quiltAuth } },
      benchling: { url: benchlingUrl, headers: { 'X-Benchling-API-Key': benchlingKey } },
      ...(ctx.mergedMcp && { labmcp: { url: mergedUrl, headers: { Authorization: quiltAuth, 'X-Benchling-API-Key': benchlingKey } } }),
    },
  };
  const vscode = {
    inputs: [
      { type: 'promptString', id: 'quilt-token', description: ctx.demoAuth ? 'Quilt JWT (npm run --silent token)' : 'Quilt JWT', password: true },
      {
        type: 'promptString',
        id: 'benchling-key',
        description: ctx.sandbox ? 'Benchling API key (sandbox: sandbox-key-alice)' : 'Benchling API key',
        password: true,
      },
    ],
    servers: {
      quilt: { type: 'http', url: quiltUrl, headers: { Authorization: `Bearer ${ref('input:quilt-token')}` } },
      benchling: { type: 'http', url: benchlingUrl, headers: { 'X-Benchling-API-Key': ref('input:benchling-key') } },
      ...(ctx.mergedMcp && {
        labmcp: {
          type: 'http',
          url: mergedUrl,
          headers: { Authorization: `Bearer ${ref('input:quilt-token')}`, 'X-Benchling-API-Key': ref('input:benchling-key') },
        },
      }),
    },
  };
  const tokenLine = ctx.demoAuth ? 'TOKEN=$(npm run --silent token)' : "TOKEN='<your Quilt JWT>'";
  const inspector = [
    tokenLine,
    `npx -y ${INSPECTOR} --cli ${quiltUrl} --transport http \\`,
    '  --header "Authorization: Bearer $TOKEN" --method tools/list',
    `npx -y ${INSPECTOR} --cli ${benchlingUrl} --transport http \\`,
    `  --header "X-Benchling-API-Key: ${benchlingKey}" --method tools/list`,
  ];
  if (ctx.mergedMcp) {
    inspector.push(
      `npx -y ${INSPECTOR} --cli ${mergedUrl} --transport http \\`,
      `  --header "Authorization: Bearer $TOKEN" --header "X-Benchling-API-Key: ${benchlingKey}" --method tools/list`,
    );
  }
  const curl = [
    `curl -s ${ctx.baseUrl}/health`,
    '',
    tokenLine,
    '',
    `curl -s ${quiltUrl} \\`,
    `  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
    `  -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
    '',
    `curl -s ${benchlingUrl} \\`,
    `  -H 'X-Benchling-API-Key: ${benchlingKey}' -H 'Content-Type: application/json' \\`,
    `  -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'`,
  ];
  if (ctx.mergedMcp) {
    curl.push(
      '',
      `curl -s ${mergedUrl} \\`,
      `  -H "Authorization: Bearer $TOKEN" -H 'X-Benchling-API-Key: ${benchlingKey}' -H 'Content-Type: application/json' \\`,
      `  -d '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'`,
    );
  }
  return [
    {
      id: 'claude-desktop',
      title: 'Claude Desktop (and Cursor) through mcp-remote',
      where: 'claude_desktop_config.json or ~/.cursor/mcp.json',
      text: json(claude),
    },
    { id: 'cursor', title: 'Cursor, Streamable HTTP', where: '~/.cursor/mcp.json or .cursor/mcp.json', text: json(cursor) },
    { id: 'vscode', title: 'VS Code', where: '.vscode/mcp.json (VS Code asks for the token and key)', text: json(vscode) },
    { id: 'inspector', title: 'MCP Inspector (CLI)', where: 'a shell', text: inspector.join('\n') },
    { id: 'curl', title: 'curl', where: 'a shell', text: curl.join('\n') },
  ];
}

/**
 * JSON as docs/clients.md writes it: two-space indent, but arrays of plain strings on one line (as `args` are
 * written there), so a copied block reads like the documented one.
 */
export function prettyJson(value: unknown): string {
  const flat = new Map<string, string>();
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (Array.isArray(v) && v.every((item) => typeof item === 'string')) {
        const marker = `\u0000${flat.size}\u0000`;
        flat.set(marker, `[${v.map((item) => JSON.stringify(item)).join(', ')}]`);
        return marker;
      }
      return v;
    },
    2,
  );
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, n: string) => flat.get(`\u0000${n}\u0000`) ?? 'null');
}
