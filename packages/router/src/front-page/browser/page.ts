// The front page's script, served as its own file (/front-page/page.js) so the Content-Security-Policy can forbid
// inline script. The page is complete without it; the script polls the router's summary (the same object the
// page was rendered from) and keeps the states and the charts current. It talks to nothing but the router.

import { formatUptime, modeText, totalsText } from './summary-text.js';

interface Sample {
  t: number;
  requests: number;
  errors: number;
  rateLimited: number;
  latencyMs: number | null;
}

interface ServiceState {
  service: string;
  status: string;
  version?: string;
  uptimeSeconds?: number;
  tools?: number;
  demoAuth?: boolean;
  sandbox?: boolean;
  warnings: string[];
}

interface Summary {
  access: 'full' | 'status';
  router: { version?: string; uptimeSeconds?: number };
  services: ServiceState[];
  figures?: { intervalSeconds: number; windowSeconds: number; services: Record<string, Sample[]> };
}

type ChartField = 'requests' | 'errors' | 'latencyMs' | 'rateLimited';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 300;
const HEIGHT = 60;
const summaryUrl = document.body.dataset.summary ?? '/front-page/summary.json';
/** The operations token a viewer entered (see enableOpsToken): in memory only, gone with the page. */
let authorization: string | undefined;

function setText(element: Element | null, text: string): void {
  if (element && element.textContent !== text) element.textContent = text;
}

function renderStates(summary: Summary): void {
  for (const state of summary.services) {
    const row = document.querySelector(`tr[data-service="${CSS.escape(state.service)}"]`);
    if (!row) continue;
    const status = row.querySelector('[data-field="status"]');
    setText(status, state.status);
    if (status) status.className = `status status-${state.status}`;
    if (summary.access !== 'full') continue;
    setText(row.querySelector('[data-field="version"]'), state.version ?? '—');
    setText(row.querySelector('[data-field="uptime"]'), formatUptime(state.uptimeSeconds));
    setText(row.querySelector('[data-field="tools"]'), state.tools === undefined ? '—' : String(state.tools));
    setText(row.querySelector('[data-field="mode"]'), modeText(state));
  }
  const warnings = document.getElementById('warnings');
  if (warnings) {
    const wanted = summary.services.flatMap((s) => s.warnings);
    if (wanted.join('\n') !== [...warnings.children].map((li) => li.textContent).join('\n')) {
      warnings.replaceChildren(
        ...wanted.map((text) => {
          const li = document.createElement('li');
          li.textContent = text;
          return li;
        }),
      );
    }
  }
  if (summary.access === 'full') {
    setText(document.querySelector('[data-field="router"]'), `router ${summary.router.version ?? ''}, up ${formatUptime(summary.router.uptimeSeconds)}`);
  }
  setText(document.querySelector('[data-field="updated"]'), new Date().toISOString());
}

/** One small line chart: the window's points from right (now) to left, scaled to the window's largest value. */
function drawChart(svg: SVGSVGElement, points: Sample[], field: ChartField, windowMs: number, now: number): void {
  const values = points.map((p) => ({ t: p.t, v: p[field] }));
  const present = values.filter((p): p is { t: number; v: number } => p.v !== null);
  const max = Math.max(1, ...present.map((p) => p.v));
  const line = document.createElementNS(SVG_NS, 'polyline');
  line.setAttribute(
    'points',
    present
      .map((p) => {
        const x = WIDTH * (1 - Math.min(1, Math.max(0, (now - p.t) / windowMs)));
        const y = HEIGHT - 4 - (p.v / max) * (HEIGHT - 16);
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      })
      .join(' '),
  );
  const last = present.at(-1)?.v;
  const label = document.createElementNS(SVG_NS, 'text');
  label.setAttribute('x', '4');
  label.setAttribute('y', '11');
  label.textContent = `now ${last === undefined ? '—' : field === 'latencyMs' ? last.toFixed(1) : String(last)} · max ${field === 'latencyMs' ? max.toFixed(1) : String(max)}`;
  svg.replaceChildren(line, label);
  // What the chart holds, for people reading the DOM (and the browser test): the sum over the window.
  svg.dataset.total = String(present.reduce((sum, p) => sum + p.v, 0));
  svg.dataset.points = String(present.length);
}

function renderFigures(summary: Summary): void {
  const figures = summary.figures;
  if (!figures) return;
  const now = Date.now();
  const windowMs = figures.windowSeconds * 1000;
  for (const block of document.querySelectorAll<HTMLElement>('.figures[data-service]')) {
    const points = figures.services[block.dataset.service ?? ''] ?? [];
    for (const svg of block.querySelectorAll<SVGSVGElement>('svg[data-chart]')) {
      drawChart(svg, points, svg.dataset.chart as ChartField, windowMs, now);
    }
    setText(block.querySelector('[data-field="totals"]'), totalsText(points, figures.windowSeconds));
  }
}

function showUnreachable(reason: string): void {
  for (const status of document.querySelectorAll('[data-field="status"]')) {
    setText(status, 'unknown');
    status.className = 'status status-down';
  }
  setText(document.querySelector('[data-field="updated"]'), `${new Date().toISOString()} (the router did not answer: ${reason})`);
}

async function poll(): Promise<number> {
  try {
    const res = await fetch(summaryUrl, { cache: 'no-store', headers: { accept: 'application/json', ...(authorization && { authorization }) } });
    if (!res.ok) {
      showUnreachable(`HTTP ${res.status}`);
      return 5000;
    }
    const summary = (await res.json()) as Summary;
    renderStates(summary);
    renderFigures(summary);
    return Math.max(1000, (summary.figures?.intervalSeconds ?? 2) * 1000);
  } catch (err) {
    showUnreachable(err instanceof Error ? err.message : String(err));
    return 5000;
  }
}

function schedule(): void {
  void poll().then((delay) => {
    window.setTimeout(schedule, delay);
  });
}

function enableCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy ?? '');
    if (!source) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      const text = source.textContent ?? '';
      navigator.clipboard.writeText(text).then(
        () => setText(button, 'Copied'),
        () => {
          // No clipboard (a page over plain HTTP elsewhere than localhost): select the text for Ctrl+C instead.
          const range = document.createRange();
          range.selectNodeContents(source);
          window.getSelection()?.removeAllRanges();
          window.getSelection()?.addRange(range);
          setText(button, 'Selected: press Ctrl+C');
        },
      );
    });
  }
}

/**
 * For a viewer who sees the states only (from elsewhere than loopback): with the operations token, the page is
 * fetched again with it and its content replaced by the detailed one; the polls send it from then on.
 */
function enableOpsToken(): void {
  const form = document.getElementById('ops');
  const input = document.getElementById('ops-token') as HTMLInputElement | null;
  const button = document.getElementById('ops-show');
  const result = document.getElementById('ops-result');
  if (!form || !input || !button) return;
  form.hidden = false;
  const show = async () => {
    const candidate = `Bearer ${input.value.trim()}`;
    try {
      const res = await fetch('/', { cache: 'no-store', headers: { authorization: candidate } });
      const page = new DOMParser().parseFromString(await res.text(), 'text/html');
      if (!res.ok || page.body.dataset.access !== 'full') {
        setText(result, 'The router did not accept this token.');
        return;
      }
      authorization = candidate;
      document.body.dataset.access = 'full';
      document.body.replaceChildren(...[...page.body.childNodes].map((node) => document.importNode(node, true)));
      enableCopyButtons();
      await poll();
    } catch (err) {
      setText(result, `The router did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  button.addEventListener('click', () => void show());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void show();
  });
}

enableCopyButtons();
enableOpsToken();
schedule();
