// Reads a V8 .cpuprofile (node --cpu-prof) into self time by function and by package, and inclusive time by
// function, so the report can say where a process spends its time per request.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  where: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Whether only the samples inside the requested window were counted (false: the whole profile). */
  windowed: boolean;
  totalMs: number;
  /** Time not idle: what the process spent working (JS, native, GC). */
  busyMs: number;
  selfByFunction: ProfileRow[];
  selfByCategory: ProfileRow[];
  inclusiveByFunction: ProfileRow[];
}

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Where a frame's code lives: a package, a Node core area, the bundle's own packages, or V8 itself. */
export function categoryOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (SPECIAL.has(functionName)) return functionName;
    return '(native / V8 builtins)';
  }
  if (url.startsWith('node:')) {
    const p = url.slice(5);
    if (/^_http_|^http$|internal\/http/.test(p)) return 'node: http';
    if (/stream|internal\/webstreams/.test(p)) return 'node: streams';
    if (/^net$|stream_base|internal\/net|tcp/.test(p)) return 'node: net';
    if (/timers/.test(p)) return 'node: timers';
    if (/^events$|internal\/event_target/.test(p)) return 'node: events';
    if (/crypto/.test(p)) return 'node: crypto';
    if (/internal\/url|^url$/.test(p)) return 'node: url';
    if (/async_hooks|internal\/process\/task_queues|internal\/process\/promises/.test(p)) return 'node: async/task queues';
    if (/internal\/deps\/undici/.test(p)) return 'node: undici (fetch)';
    return `node: ${p.replace(/^internal\//, '')}`;
  }
  const pkgs = /\/packages\/([^/]+)\/dist\/(.+)$/.exec(url);
  if (pkgs && !url.includes('/node_modules/')) return `@labmcp/${pkgs[1]} (${pkgs[2]!.replace(/\.js$/, '')})`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return url.replace(/^file:\/\//, '');
}

function label(frame: CallFrame): { name: string; where: string } {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return { name, where: '' };
  const short = frame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/packages\//, 'packages/');
  return { name, where: `${short}:${frame.lineNumber + 1}` };
}

/**
 * `window` (µs of CLOCK_MONOTONIC, the clock of V8's profile timestamps and of `process.hrtime` in any process on
 * the machine) restricts the summary to the samples taken inside it, e.g. the measured load without start-up.
 */
export function summarizeProfile(file: string, top = 25, window?: { startUs: number; endUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  let inWindow: (i: number) => boolean = () => true;
  let windowed = false;
  if (window) {
    const stamps: number[] = [];
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      stamps.push(t);
    }
    const count = stamps.filter((x) => x >= window.startUs && x <= window.endUs).length;
    if (count > 0) {
      windowed = true;
      inWindow = (i) => stamps[i]! >= window.startUs && stamps[i]! <= window.endUs;
    }
  }
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfTime = new Map<number, number>();
  // timeDeltas[i] is the time between sample i-1 and sample i; charge it to sample i.
  for (let i = 0; i < profile.samples.length; i++) {
    if (!inWindow(i)) continue;
    const id = profile.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  let idleUs = 0;
  const selfFn = new Map<string, { name: string; where: string; us: number }>();
  const selfCat = new Map<string, number>();
  const inclFn = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfTime) {
    const node = byId.get(id)!;
    totalUs += us;
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    const l = label(node.callFrame);
    const key = `${l.name}@${l.where}`;
    const entry = selfFn.get(key) ?? { ...l, us: 0 };
    entry.us += us;
    selfFn.set(key, entry);
    const cat = categoryOf(node.callFrame);
    selfCat.set(cat, (selfCat.get(cat) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once (recursion not double counted).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (SPECIAL.has(frame.functionName)) continue;
      const fl = label(frame);
      const fkey = `${fl.name}@${fl.where}`;
      if (seen.has(fkey)) continue;
      seen.add(fkey);
      const e = inclFn.get(fkey) ?? { ...fl, us: 0 };
      e.us += us;
      inclFn.set(fkey, e);
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = (m: Iterable<{ name: string; where: string; us: number }>) =>
    [...m]
      .filter((r) => r.name !== '(idle)')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((r) => ({ name: r.name, where: r.where, ms: r.us / 1000, share: busyUs ? r.us / busyUs : 0 }));
  return {
    windowed,
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    selfByFunction: rows(selfFn.values()),
    selfByCategory: rows([...selfCat].map(([name, us]) => ({ name, where: '', us }))),
    inclusiveByFunction: rows(inclFn.values()),
  };
}
