// How the front page words the states and figures of its summary: one module for the server's render (render.ts)
// and the browser's refresh (page.ts), so the text a poll writes is the text the page was served with. Served as
// its own file (/front-page/summary-text.js) beside the script, which imports it; so it uses neither DOM nor Node.

/** What the mode column is made of: whether Quilt verifies real JWTs, whether Benchling is the sandbox. */
export interface ModeFacts {
  demoAuth?: boolean | undefined;
  sandbox?: boolean | undefined;
}

/** One sample of a server's live figures (live-figures.ts's FigureSample, as the summary carries it). */
export interface FigurePoint {
  requests: number;
  errors: number;
  rateLimited: number;
  latencyMs: number | null;
}

export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

export function modeText(state: ModeFacts): string {
  const parts: string[] = [];
  if (state.demoAuth !== undefined) parts.push(state.demoAuth ? 'demo auth' : 'JWT verification');
  if (state.sandbox !== undefined) parts.push(state.sandbox ? 'demo sandbox' : 'Benchling tenant');
  return parts.join(', ') || '—';
}

/** The figures' totals over the window, as a sentence: what the charts show, for a reader without JavaScript too. */
export function totalsText(points: FigurePoint[], windowSeconds: number): string {
  let requests = 0;
  let errors = 0;
  let rateLimited = 0;
  let weighted = 0;
  for (const p of points) {
    requests += p.requests;
    errors += p.errors;
    rateLimited += p.rateLimited;
    if (p.latencyMs !== null) weighted += p.latencyMs * (p.requests || 1);
  }
  const latency = requests > 0 ? (weighted / requests).toFixed(1) : '—';
  return `Last ${Math.round(windowSeconds / 60)} minutes: ${requests} requests, ${errors} errors, mean latency ${latency} ms, ${rateLimited} rate-limit refusals.`;
}
