/**
 * Gives memory back once a process has gone quiet. On Node 26, V8 keeps its young generation at the size it grew to
 * while the process started or was last busy (14–16 MiB per process, measured) and its memory reducer does not give
 * it back; a full collection of V8's last-resort kind does. So this runs one when the process has served nothing
 * for a while: shortly after start-up, and again after each busy spell, never while a request is in flight.
 *
 * It needs `gc` (`node --expose-gc`, which ecosystem.config.js gives on Node 26 and later); without it, it does
 * nothing. On Node 20 the same collection gives nothing back (its memory reducer does, 10–40 s into idling).
 */

type LastResortGc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export interface IdleTrimOptions {
  /** How many requests the process has served so far (a count that only grows; health probes may be left out). */
  served: () => number;
  /** Whether a request is in flight now. */
  busy: () => boolean;
  /** How often to look (default 2 s). */
  tickMs?: number;
  /** Quiet looks in a row before the first trim after start-up (default 1). */
  startQuietTicks?: number;
  /** Quiet looks in a row before a trim after a busy spell (default 5: 10 s with the default tick). */
  quietTicks?: number;
  /** Defaults to the global `gc` that `--expose-gc` provides. */
  gc?: LastResortGc | undefined;
  /** Called after each trim, with how long it took. */
  onTrim?: (ms: number) => void;
}

/** Starts looking; undefined when there is no `gc` to call. The timer never keeps the process alive. */
export function trimWhenIdle(options: IdleTrimOptions): { stop: () => void } | undefined {
  const gc = options.gc ?? (globalThis as { gc?: LastResortGc }).gc;
  if (typeof gc !== 'function') return undefined;
  const quietTicks = options.quietTicks ?? 5;
  let needed = options.startQuietTicks ?? 1;
  let seen = options.served();
  let quiet = 0;
  // What start-up allocated is the first thing to give back.
  let dirty = true;
  const timer = setInterval(() => {
    const served = options.served();
    if (served !== seen || options.busy()) {
      seen = served;
      quiet = 0;
      dirty = true;
      needed = quietTicks;
      return;
    }
    if (!dirty || ++quiet < needed) return;
    dirty = false;
    quiet = 0;
    const began = performance.now();
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    options.onTrim?.(performance.now() - began);
  }, options.tickMs ?? 2000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** One service's share of what makes its process busy. */
export interface ServiceActivity {
  served: () => number;
  busy: () => boolean;
  onTrim?: (ms: number) => void;
}

/**
 * One trim for the services of a process (several may share one: run-together.ts). It is quiet when every
 * service in it is quiet: a trim when one of them goes quiet would stop another's requests for the collection.
 */
export function processTrim(options: Omit<IdleTrimOptions, 'served' | 'busy' | 'onTrim'> = {}): {
  watch: (activity: ServiceActivity) => { stop: () => void };
} {
  const services = new Set<ServiceActivity>();
  let trim: { stop: () => void } | undefined;
  return {
    watch: (activity) => {
      services.add(activity);
      trim ??= trimWhenIdle({
        ...options,
        served: () => {
          let sum = 0;
          for (const s of services) sum += s.served();
          return sum;
        },
        busy: () => {
          for (const s of services) if (s.busy()) return true;
          return false;
        },
        onTrim: (ms) => {
          for (const s of services) s.onTrim?.(ms);
        },
      });
      return {
        stop: () => {
          services.delete(activity);
          if (services.size > 0) return;
          trim?.stop();
          trim = undefined;
        },
      };
    },
  };
}

/** This process's trim. */
export const thisProcessTrim = processTrim();
