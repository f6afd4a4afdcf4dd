/**
 * Matches request paths against the spec's path templates (`/entries/{entry_id}`). Templates are split once;
 * matching is a segment-by-segment comparison, so a route table of a few dozen entries needs nothing cleverer.
 *
 * Kept rather than find-my-way@9.10.2 (fastify's router), measured 2026-12-01 on the 2-CPU development machine:
 * switched in (a wrapper that still had to add the 405 `Allow` list, refuse empty ids and lift its 100-character
 * parameter limit), the same tests passed, but the sandbox started with ~8 MiB more RSS (69.7 -> 78.2 MiB,
 * median of 6 starts, together with raw-body in body.ts; find-my-way alone about half of it) and ~60 ms more
 * start-up CPU, at equal cost per request; the footprint benchmark counts this process. find-my-way also reads
 * `/entr%69es` as `/entries` (RFC 3986 equivalence), which this matcher, comparing literally, does not.
 */
export interface Route<T> {
  method: string;
  path: string;
  value: T;
}

interface Compiled<T> {
  method: string;
  /** `{id}` is a parameter; `{id}:action` a parameter followed by a literal suffix (Benchling's `:bulk-...` actions) */
  segments: { literal?: string; param?: string; suffix?: string }[];
  value: T;
}

export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export class Router<T> {
  private readonly routes: Compiled<T>[];

  constructor(routes: readonly Route<T>[]) {
    this.routes = routes.map((r) => ({
      method: r.method,
      value: r.value,
      segments: r.path
        .split('/')
        .slice(1)
        .map((s) => {
          const m = /^\{(\w+)\}(:[\w-]+)?$/.exec(s);
          return m ? { param: m[1]!, ...(m[2] ? { suffix: m[2] } : {}) } : { literal: s };
        }),
    }));
  }

  match(method: string, path: string): RouteMatch<T> {
    const parts = path.split('/').slice(1);
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', value: route.value, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}

function matchSegments(segments: Compiled<unknown>['segments'], parts: string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (seg.literal !== undefined) {
      if (seg.literal !== part) return undefined;
    } else {
      let raw = part;
      if (seg.suffix !== undefined) {
        if (!raw.endsWith(seg.suffix)) return undefined;
        raw = raw.slice(0, -seg.suffix.length);
      } else if (raw.includes(':')) {
        // `{id}` alone never takes `x:action`: that is another operation (or none).
        return undefined;
      }
      if (raw === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        return undefined;
      }
      params[seg.param!] = decoded;
    }
  }
  return params;
}
