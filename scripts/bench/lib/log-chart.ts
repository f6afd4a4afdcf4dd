// The two-panel, log-log SVG chart of the growth and hashing reports: two figures of each measured point (time and
// peak RSS, say) against a size, one coloured line per series, with a legend and a footer.

export interface LogChartPanel<P> {
  title: string;
  value: (p: P) => number;
  /** The lowest decade shown is at most this power of ten (so small values keep some room below them). */
  minDecadeAtMost?: number;
}

export interface LogChart<P> {
  height: number;
  points: readonly P[];
  /** The size a point is measured at (the x axis). */
  x: (p: P) => number;
  /** The logarithm the x axis uses (the tick positions are its multiples). */
  xLog: (v: number) => number;
  xTick: (v: number) => string;
  xTitle: string;
  series: (p: P) => string;
  /** Series name to colour; the order of the legend. */
  colors: Record<string, string>;
  panels: [LogChartPanel<P>, LogChartPanel<P>];
  /** Draw each series' points in order of x (otherwise in the order given). */
  sortByX: boolean;
  footer: { text: string; y: number };
}

/** The chart's SVG lines, up to and with the closing `</svg>`. */
export function logChartLines<P>(c: LogChart<P>): string[] {
  const W = 820;
  const H = c.height;
  const panelW = 330;
  const panelH = 230;
  const top = 40;
  const lefts = [60, 440];
  const xs = [...new Set(c.points.map(c.x))].sort((a, b) => a - b);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (xs.length === 0) return out.concat('</svg>');
  const xMin = c.xLog(xs[0]!);
  const xMax = c.xLog(xs.at(-1)!);
  c.panels.forEach((panel, i) => {
    const left = lefts[i]!;
    const values = c.points.map(panel.value).filter((v) => v > 0 && Number.isFinite(v));
    let yMin = Math.floor(Math.log10(Math.min(...values)));
    let yMax = Math.ceil(Math.log10(Math.max(...values)));
    if (yMax === yMin) yMax++;
    if (panel.minDecadeAtMost !== undefined) yMin = Math.min(yMin, panel.minDecadeAtMost);
    const x = (v: number) => left + ((c.xLog(v) - xMin) / Math.max(1e-9, xMax - xMin)) * panelW;
    const y = (v: number) => top + panelH - ((Math.log10(v) - yMin) / (yMax - yMin)) * panelH;
    out.push(`<text x="${left + panelW / 2}" y="${top - 14}" text-anchor="middle" font-weight="bold">${panel.title}</text>`);
    out.push(`<rect x="${left}" y="${top}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (let e = yMin; e <= yMax; e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (Math.log10(v) > yMax + 1e-9) continue;
        const yy = y(v);
        out.push(`<line x1="${left}" x2="${left + panelW}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#eee"/>`);
        out.push(`<text x="${left - 4}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${v >= 1 ? v : v.toPrecision(1)}</text>`);
      }
    }
    for (const v of xs) {
      out.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${top + panelH}" stroke="#eee"/>`);
      out.push(`<text x="${x(v).toFixed(1)}" y="${top + panelH + 14}" text-anchor="middle">${c.xTick(v)}</text>`);
    }
    out.push(`<text x="${left + panelW / 2}" y="${top + panelH + 30}" text-anchor="middle">${c.xTitle}</text>`);
    for (const [series, color] of Object.entries(c.colors)) {
      const mine = c.points.filter((p) => c.series(p) === series && panel.value(p) > 0);
      if (c.sortByX) mine.sort((a, b) => c.x(a) - c.x(b));
      const points = mine.map((p) => `${x(c.x(p)).toFixed(1)},${y(panel.value(p)).toFixed(1)}`);
      if (points.length === 0) continue;
      out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const p of points) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
    }
  });
  let lx = 60;
  for (const [series, color] of Object.entries(c.colors)) {
    out.push(`<rect x="${lx}" y="${H - 18}" width="12" height="4" fill="${color}"/><text x="${lx + 16}" y="${H - 13}">${series}</text>`);
    lx += 150;
  }
  out.push(`<text x="${W - 10}" y="${c.footer.y}" text-anchor="end" fill="#666">${c.footer.text}</text>`);
  out.push('</svg>');
  return out;
}
