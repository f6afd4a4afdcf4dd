/** The page's stylesheet, served as its own file (the Content-Security-Policy allows no inline style). */
export const FRONT_PAGE_CSS = `:root { color-scheme: light dark; --ok: #1a7f37; --degraded: #9a6700; --down: #cf222e; --line: #8884; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 0 1rem 2rem; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { margin: 1rem 0 0; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.25rem 0.75rem 0.25rem 0; text-align: left; vertical-align: top; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #8881; border: 1px solid var(--line); overflow-x: auto; padding: 0.5rem; margin: 0.25rem 0; }
.status { font-weight: 600; }
.status-ok { color: var(--ok); }
.status-degraded { color: var(--degraded); }
.status-down { color: var(--down); }
.warnings li { color: var(--degraded); }
.note, .where, .updated { color: #888; font-size: 0.9em; margin: 0.25rem 0; }
.config { margin: 1rem 0; }
.config h3 { margin-bottom: 0; }
.copy { cursor: pointer; }
.charts { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
figure { margin: 0; }
figcaption { font-size: 0.85em; }
svg.chart { width: 100%; height: 4rem; border: 1px solid var(--line); }
svg.chart polyline { fill: none; stroke: currentColor; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
svg.chart text { font-size: 10px; fill: currentColor; }
`;
