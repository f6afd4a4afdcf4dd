import type { CheckStatus } from '@labmcp/service-kit/service';
import { probeUpstreams } from '../health.js';
import type { Upstream } from '../upstreams.js';

/** What the front page says about one server, from its own `/health` as the router's aggregated health reads it. */
export interface ServiceState {
  service: string;
  /** The MCP endpoint's path on the router, e.g. `/quilt/mcp`. */
  mcpPath: string;
  status: CheckStatus;
  version?: string;
  uptimeSeconds?: number;
  tools?: number;
  /** Quilt: tokens are checked against the local demo key. */
  demoAuth?: boolean;
  /** Benchling: the server talks to the bundled sandbox tenant, not a real Benchling. */
  sandbox?: boolean;
  /** Why it reads as down, when it does (refused, timed out). */
  error?: string;
  /** The warnings the server's own log gives for the same settings, and what failed last in a degraded check. */
  warnings: string[];
}

// The same words as the servers' start-up warnings (service-kit's verifier, benchling-mcp's main).
const DEMO_AUTH_WARNING =
  'Quilt runs with demo auth: tokens are checked against a local demo key (mint them with `npm run token`). Do not expose this to real users.';
const SANDBOX_WARNING = 'Benchling runs against the bundled Benchling sandbox (demo data): BENCHLING_URL is unset.';

/**
 * Each server's state, probed the way the router's `/health` probes them, and kept for `cacheMs` so that any number
 * of open pages costs the servers at most one probe each per `cacheMs`.
 */
export class ServiceStates {
  private cached: { at: number; states: Promise<ServiceState[]> } | undefined;

  constructor(
    private readonly upstreams: Upstream[],
    private readonly timeoutMs: number,
    private readonly cacheMs = 1000,
  ) {}

  current(): Promise<ServiceState[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.cacheMs) this.cached = { at: now, states: this.probe() };
    return this.cached.states;
  }

  private async probe(): Promise<ServiceState[]> {
    const bodies = new Map<string, unknown>();
    const results = await probeUpstreams(this.upstreams, this.timeoutMs, (upstream, body) => bodies.set(upstream.service, body));
    return this.upstreams.map((upstream) => {
      const result = results[upstream.service] ?? { status: 'down' as const };
      const state: ServiceState = { service: upstream.service, mcpPath: `${upstream.prefix}/mcp`, status: result.status, warnings: [] };
      if (typeof result.error === 'string') state.error = result.error;
      const body = bodies.get(upstream.service) as HealthBody | undefined;
      if (result.status === 'down' || !body) return state;
      if (typeof body.version === 'string') state.version = body.version;
      if (typeof body.uptimeSeconds === 'number') state.uptimeSeconds = body.uptimeSeconds;
      if (typeof body.tools === 'number') state.tools = body.tools;
      const auth = body.checks?.auth?.mode;
      if (typeof auth === 'string') state.demoAuth = auth === 'demo';
      const sandbox = body.checks?.benchling?.sandbox;
      if (typeof sandbox === 'boolean') state.sandbox = sandbox;
      if (state.demoAuth) state.warnings.push(DEMO_AUTH_WARNING);
      if (state.sandbox) state.warnings.push(SANDBOX_WARNING);
      // A check the server reads as degraded, with what failed last (benchling-mcp's key vault, say).
      for (const [name, check] of Object.entries(body.checks ?? {})) {
        const failure = check?.status === 'degraded' ? check.lastFailure : undefined;
        if (typeof failure?.reason === 'string')
          state.warnings.push(`${upstream.service} ${name}: degraded${typeof failure.at === 'string' ? ` since ${failure.at}` : ''}: ${failure.reason}`);
      }
      return state;
    });
  }
}

interface HealthCheckBody {
  status?: unknown;
  /** auth */
  mode?: unknown;
  /** benchling */
  sandbox?: unknown;
  lastFailure?: { at?: unknown; reason?: unknown };
}

interface HealthBody {
  version?: unknown;
  uptimeSeconds?: unknown;
  tools?: unknown;
  checks?: Record<string, HealthCheckBody | undefined>;
}

/** What a viewer who may see the status only gets of a state (the hardening rule of `/health`). */
export function statusOnlyState(state: ServiceState): ServiceState {
  return { service: state.service, mcpPath: state.mcpPath, status: state.status, warnings: [] };
}
