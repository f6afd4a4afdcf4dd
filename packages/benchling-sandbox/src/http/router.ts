/**
 * Matches request paths against the spec's path templates (`/entries/{entry_id}`) with find-my-way, fastify's
 * router (radix tree, parameter decoding). What is added here is what the sandbox answers beyond a match:
 * the methods a path does have (for a 405's `Allow`), and no match for an empty or undecodable parameter (a
 * `GET /entries/` is a 404, not an entry with id "").
 */
import FindMyWay, { type HTTPMethod } from 'find-my-way';

export interface Route<T> {
  method: HTTPMethod;
  path: string;
  value: T;
}

export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

export class Router<T> {
  private readonly tree = FindMyWay({
    // Benchling ids are short, but a long one must still reach its handler and be a 404 with `invalidId`.
    maxParamLength: 64 * 1024,
  });
  /** Methods in the order their first route was given, so `Allow` lists them as the route table does. */
  private readonly methods: HTTPMethod[] = [];

  constructor(routes: readonly Route<T>[]) {
    for (const route of routes) {
      // The spec's `{name}` parameters are find-my-way's `:name`.
      this.tree.on(route.method, route.path.replace(/\{(\w+)\}/g, ':$1'), () => undefined, { value: route.value });
      if (!this.methods.includes(route.method)) this.methods.push(route.method);
    }
  }

  match(method: string, path: string): RouteMatch<T> {
    const found = this.find(method as HTTPMethod, path);
    if (found) return { kind: 'found', ...found };
    const allow = this.methods.filter((m) => m !== method && this.find(m, path) !== undefined);
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }

  private find(method: HTTPMethod, path: string): { value: T; params: Record<string, string> } | undefined {
    if (!this.methods.includes(method)) return undefined;
    const hit = this.tree.find(method, path);
    if (hit === null) return undefined; // also an undecodable parameter (find-my-way answers null, not throws)
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(hit.params)) {
      if (value === undefined || value === '') return undefined;
      params[name] = value;
    }
    return { value: (hit.store as { value: T }).value, params };
  }
}
