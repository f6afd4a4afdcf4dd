import { formatUptime, modeText, totalsText } from './browser/summary-text.js';
import type { ClientConfig } from './client-configs.js';
import type { FiguresSnapshot } from './live-figures.js';
import type { ServiceState } from './service-states.js';

/** Everything the page shows; the same object (as JSON) is what the page's script polls. */
export interface FrontPageSummary {
  /** `full`: loopback or the operations token, details and figures; `status`: the states only. */
  access: 'full' | 'status';
  baseUrl: string;
  router: { version?: string; uptimeSeconds?: number };
  services: ServiceState[];
  figures?: FiguresSnapshot;
}

export const FRONT_PAGE_PATHS = {
  script: '/front-page/page.js',
  /** The module the script imports (browser/summary-text.ts): served beside it, as the browser resolves `./summary-text.js`. */
  scriptText: '/front-page/summary-text.js',
  style: '/front-page/page.css',
  summary: '/front-page/summary.json',
} as const;

const TITLES: Record<string, string> = { 'quilt-mcp': 'Quilt', 'benchling-mcp': 'Benchling' };
const HEADERS: Record<string, string> = {
  'quilt-mcp': 'Authorization: Bearer <JWT>',
  'benchling-mcp': 'X-Benchling-API-Key: <key> (or Authorization: Basic base64(<key>:))',
};

export function serviceTitle(service: string): string {
  return TITLES[service] ?? service;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

// For a viewer who sees the states only. The token form needs the script (hidden without it); the token stays in
// the page's memory, sent as `Authorization: Bearer` to the router only.
const STATUS_ONLY_NOTE = `<p class="note">Versions, uptimes, tool counts, modes and live figures are shown to loopback clients and holders of the operations token (<code>ROUTER_OPS_TOKEN</code>), as <code>/health</code>'s details are.</p>
<p class="ops" id="ops" hidden><label>Operations token <input type="password" id="ops-token" autocomplete="off" spellcheck="false"></label>
<button type="button" id="ops-show">Show details</button> <span id="ops-result" role="status"></span></p>`;

const CHARTS = [
  ['requests', 'Requests'],
  ['errors', 'Errors (5xx)'],
  ['latencyMs', 'Mean latency (ms)'],
  ['rateLimited', 'Rate-limit refusals'],
] as const;

/** The whole page, server-rendered: readable as it is; the script only refreshes the figures and states. */
export function renderFrontPage(summary: FrontPageSummary, configs: ClientConfig[], mergedMcp: boolean): string {
  const e = escapeHtml;
  const full = summary.access === 'full';
  const rows = summary.services
    .map(
      (s) => `<tr data-service="${e(s.service)}">
<th scope="row">${e(serviceTitle(s.service))}</th>
<td><span class="status status-${e(s.status)}" data-field="status">${e(s.status)}</span></td>
<td data-field="version">${e(s.version ?? '—')}</td>
<td data-field="uptime">${e(formatUptime(s.uptimeSeconds))}</td>
<td data-field="tools">${s.tools === undefined ? '—' : String(s.tools)}</td>
<td data-field="mode">${e(modeText(s))}</td>
</tr>`,
    )
    .join('\n');
  const warnings = summary.services.flatMap((s) => s.warnings);
  const endpoints = summary.services.map(
    (s) =>
      `<tr><th scope="row">${e(serviceTitle(s.service))}</th><td><code>${e(summary.baseUrl + s.mcpPath)}</code></td><td><code>${e(HEADERS[s.service] ?? '')}</code></td></tr>`,
  );
  if (mergedMcp) {
    endpoints.push(
      `<tr><th scope="row">Both, one connection</th><td><code>${e(`${summary.baseUrl}/mcp`)}</code></td><td><code>${e(HEADERS['quilt-mcp']!)}</code> and <code>${e('X-Benchling-API-Key: <key>')}</code></td></tr>`,
    );
  }
  const quilt = summary.services.find((s) => s.service === 'quilt-mcp');
  const benchling = summary.services.find((s) => s.service === 'benchling-mcp');
  // Known only to a viewer with details, and only while Quilt answers; otherwise both ways are given.
  const tokenHelp =
    quilt?.demoAuth === true
      ? '<p>Quilt runs with <strong>demo auth</strong>: mint a token (valid 8 hours) with</p>'
      : quilt?.demoAuth === false
        ? '<p>Quilt verifies real tokens: use a JWT from your identity provider. (With demo auth, a token would come from the commands below.)</p>'
        : '<p>Use a Quilt JWT from your identity provider, or, if this server runs with demo auth, mint one with</p>';
  const tokenCommands = `<pre><code>npm run --silent token                                  # in a checkout, after npm start
docker exec &lt;container&gt; node scripts/token.mjs          # the Docker image
docker compose exec quilt-mcp node scripts/token.mjs    # deploy/docker-compose.yml</code></pre>`;
  const keyHelp = benchling?.sandbox
    ? '<p>Benchling is the bundled <strong>sandbox</strong>: its demo keys are <code>sandbox-key-alice</code> and <code>sandbox-key-bob</code>.</p>'
    : '<p>Benchling wants your own Benchling API key.</p>';
  const configBlocks = configs
    .map(
      (c) => `<div class="config">
<h3>${e(c.title)}</h3>
<p class="where">${e(c.where)}</p>
<pre id="config-${e(c.id)}"><code>${e(c.text)}</code></pre>
<button type="button" class="copy" data-copy="config-${e(c.id)}" hidden>Copy</button>
</div>`,
    )
    .join('\n');
  const figures = summary.figures;
  const figureBlocks = figures
    ? summary.services
        .map((s) => {
          const charts = CHARTS.map(
            ([field, label]) =>
              `<figure><figcaption>${e(label)}</figcaption><svg class="chart" data-chart="${e(field)}" viewBox="0 0 300 60" preserveAspectRatio="none" role="img" aria-label="${e(`${label}, ${serviceTitle(s.service)}`)}"></svg></figure>`,
          ).join('');
          return `<div class="figures" data-service="${e(s.service)}">
<h3>${e(serviceTitle(s.service))}</h3>
<p class="totals" data-field="totals">${e(totalsText(figures.services[s.service] ?? [], figures.windowSeconds))}</p>
<div class="charts">${charts}</div>
</div>`;
        })
        .join('\n')
    : '<p>Live figures are shown to loopback clients and holders of the operations token (<code>ROUTER_OPS_TOKEN</code>), as <code>/metrics</code> is.</p>';
  const router = full ? `router ${e(summary.router.version ?? '')}, up ${e(formatUptime(summary.router.uptimeSeconds))}` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>labmcp</title>
<link rel="stylesheet" href="${FRONT_PAGE_PATHS.style}">
<script type="module" src="${FRONT_PAGE_PATHS.script}"></script>
<link rel="modulepreload" href="${FRONT_PAGE_PATHS.scriptText}">
</head>
<body data-access="${e(summary.access)}" data-summary="${FRONT_PAGE_PATHS.summary}">
<header>
<h1>labmcp</h1>
<p>Quilt and Benchling MCP servers behind one router. <span class="router" data-field="router">${router}</span></p>
</header>
<main>
<section id="state">
<h2>What runs</h2>
<table>
<thead><tr><th scope="col">Service</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">Uptime</th><th scope="col">Tools</th><th scope="col">Mode</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<ul class="warnings" id="warnings">${warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>
${full ? '' : STATUS_ONLY_NOTE}
<p class="updated">State as of <time data-field="updated">${e(new Date().toISOString())}</time>.</p>
</section>
<section id="connect">
<h2>How to connect</h2>
<table>
<thead><tr><th scope="col">Server</th><th scope="col">MCP URL (Streamable HTTP)</th><th scope="col">Header</th></tr></thead>
<tbody>
${endpoints.join('\n')}
</tbody>
</table>
<p>Each server receives only its own credential; a client may send both headers to every URL.</p>
<h3>Credentials</h3>
${tokenHelp}
${tokenCommands}
${keyHelp}
${configBlocks}
</section>
<section id="figures">
<h2>Live figures</h2>
${figureBlocks}
<noscript><p>The charts need JavaScript; the totals above are as of this page's load. The same counters are in <code>/metrics</code>.</p></noscript>
</section>
</main>
<footer><p>More in docs/clients.md and docs/operations.md. <a href="/health">/health</a></p></footer>
</body>
</html>
`;
}
