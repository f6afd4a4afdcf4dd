import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type OpsAccess, packageVersion, sendJson } from '@labmcp/service-kit/service';
import type { Registry } from 'prom-client';
import type { Upstream } from '../upstreams.js';
import { clientConfigs } from './client-configs.js';
import { LiveFigures } from './live-figures.js';
import { FRONT_PAGE_PATHS, type FrontPageSummary, renderFrontPage } from './render.js';
import { ServiceStates, statusOnlyState } from './service-states.js';
import { FRONT_PAGE_CSS } from './style.js';

export interface FrontPageOptions {
  upstreams: Upstream[];
  healthTimeoutMs: number;
  /** The router's registry: the live figures are read from the same counters `/metrics` exports. */
  registry: Registry;
  /** Who may see what, decided as for `/health` (Host check, loopback or the operations token). */
  access: (req: IncomingMessage) => OpsAccess;
  /** The router's public base URL as this request's client sees it (only allowed hosts). */
  baseUrl: (req: IncomingMessage) => string;
  /** Whether the router serves the merged endpoint `/mcp`; the page shows it only then. */
  mergedMcp: boolean;
  /** How often the figures are sampled, and how far back they go. */
  figureIntervalMs?: number;
  figureWindowMs?: number;
}

export interface FrontPage {
  /** Answers the request when it is one of the page's (`/` and `/front-page/*`); false for any other. */
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  close: () => void;
}

// Nothing but the router itself: no inline script or style, no other origin, no framing, no forms.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(text: string, type: string): Asset {
  const body = Buffer.from(text);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * A compiled module of the browser script (tsc builds them with the rest), without its source-map comment (the map is
 * not served): next to this module in dist/, or, when the router runs from its sources (tests through tsx), in dist/.
 */
function browserModule(name: string): string {
  const candidates = [new URL(`./browser/${name}`, import.meta.url), new URL(`../../dist/front-page/browser/${name}`, import.meta.url)];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error('the front page script is not built: run `tsc -b`');
  return readFileSync(found, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/**
 * The router's front page at `/`: what runs, how to connect, live figures. Answered only for paths no upstream
 * serves, so the MCP routes pay nothing for it; the figures are sampled off the request path (LiveFigures).
 */
export function createFrontPage(options: FrontPageOptions): FrontPage {
  const states = new ServiceStates(options.upstreams, options.healthTimeoutMs);
  const figures = new LiveFigures(
    options.registry,
    options.upstreams.map((u) => u.service),
    options.figureIntervalMs,
    options.figureWindowMs,
  );
  figures.start();
  const version = packageVersion(new URL('../main.js', import.meta.url).href);
  // Read when first asked for, so a router run from its sources starts without the built script.
  const scriptModule = (name: string) => {
    let module: Asset | undefined;
    return () => {
      module ??= asset(browserModule(name), 'text/javascript; charset=utf-8');
      return module;
    };
  };
  const style = asset(FRONT_PAGE_CSS, 'text/css; charset=utf-8');
  const assets: Record<string, () => Asset> = {
    [FRONT_PAGE_PATHS.script]: scriptModule('page.js'),
    [FRONT_PAGE_PATHS.scriptText]: scriptModule('summary-text.js'),
    [FRONT_PAGE_PATHS.style]: () => style,
  };

  async function summaryFor(req: IncomingMessage, access: 'full' | 'status'): Promise<FrontPageSummary> {
    const current = await states.current();
    const full = access === 'full';
    return {
      access,
      baseUrl: options.baseUrl(req),
      router: full ? { version, uptimeSeconds: Math.round(process.uptime()) } : {},
      services: full ? current : current.map(statusOnlyState),
      ...(full && { figures: figures.snapshot() }),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0]!;
    const known = path === '/' || path === FRONT_PAGE_PATHS.summary || path in assets;
    if (!known || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const access = options.access(req);
    if (access === 'refused') {
      sendJson(res, 403, { error: 'forbidden', message: `${path} is not served for this host` }, SECURITY_HEADERS);
      return true;
    }
    const found = assets[path]?.();
    if (found) {
      const headers = { ...SECURITY_HEADERS, 'content-type': found.type, etag: found.etag, 'cache-control': 'no-cache' };
      if (req.headers['if-none-match'] === found.etag) {
        res.writeHead(304, headers).end();
        return true;
      }
      res.writeHead(200, { ...headers, 'content-length': found.body.length });
      res.end(req.method === 'HEAD' ? undefined : found.body);
      return true;
    }
    const summary = await summaryFor(req, access);
    if (path === FRONT_PAGE_PATHS.summary) {
      sendJson(res, 200, summary, SECURITY_HEADERS);
      return true;
    }
    const configs = clientConfigs({
      baseUrl: summary.baseUrl,
      demoAuth: summary.services.find((s) => s.service === 'quilt-mcp')?.demoAuth,
      sandbox: summary.services.find((s) => s.service === 'benchling-mcp')?.sandbox,
      mergedMcp: options.mergedMcp,
    });
    const html = Buffer.from(renderFrontPage(summary, configs, options.mergedMcp));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': html.length,
      // The page holds live state, and details only some viewers may see: never kept by a cache.
      'cache-control': 'no-store',
      vary: 'Authorization',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
    return true;
  }

  return { handle, close: () => figures.close() };
}
