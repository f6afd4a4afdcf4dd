import type { Logger } from 'pino';

/** What the process needs of a running service: a graceful stop. */
export interface StoppableService {
  stop(): Promise<void>;
}

export interface ManageOptions {
  /**
   * The service is a backend of the others in this process (the demo tenant beside benchling-mcp): it stops only
   * after they have finished their in-flight requests, which may still need it.
   */
  stopAfterOthers?: boolean;
}

interface Managed {
  service: StoppableService;
  logger: Logger;
  stopAfterOthers: boolean;
}

// One process may run several services (run-together.ts: the demo bundle's benchling-mcp and its tenant), so
// the signals, the exit and PM2's `ready` belong to the process, not to a service.
const managed: Managed[] = [];
let readyHolds = 0;
let readySent = false;
let exiting = false;

/**
 * Wires process signals to a graceful stop and tells PM2 we are ready. Separate from `runHttpService` so tests can
 * run services in-process without them owning the process. Every service of the process is stopped on the first
 * signal, one after the other (backends last), then the process exits once.
 */
export function manageProcess(service: StoppableService, logger: Logger, options: ManageOptions = {}): void {
  if (managed.length === 0) installHandlers();
  managed.push({ service, logger, stopAfterOthers: options.stopAfterOthers ?? false });
  sendReadyWhenDue();
}

/**
 * Holds back PM2's `ready` until the returned function is called: a process that starts several services is ready
 * when all of them listen, not when the first does (PM2 routes to it, and a reload stops the old process, then).
 */
export function holdReady(): () => void {
  readyHolds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    readyHolds--;
    sendReadyWhenDue();
  };
}

function sendReadyWhenDue(): void {
  if (readySent || readyHolds > 0 || managed.length === 0) return;
  readySent = true;
  process.send?.('ready');
}

/** Process-wide lines (a signal, a crash) go to the first service that is not a backend: the one the process is named for. */
function processLogger(): Logger {
  return (managed.find((m) => !m.stopAfterOthers) ?? managed[0])!.logger;
}

/** Stops every managed service, the others before the backends; resolves with whether all stopped cleanly. */
async function stopManagedServices(): Promise<boolean> {
  let clean = true;
  const order = [...managed.filter((m) => !m.stopAfterOthers), ...managed.filter((m) => m.stopAfterOthers)];
  for (const { service, logger } of order) {
    try {
      await service.stop();
    } catch (err) {
      clean = false;
      logger.error({ err }, 'error during shutdown');
    }
  }
  return clean;
}

function installHandlers(): void {
  const exit = (reason: string) => {
    if (exiting) return;
    exiting = true;
    for (const { logger } of managed) logger.info({ reason }, 'shutdown requested');
    void stopManagedServices().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGINT', () => exit('SIGINT'));
  process.on('SIGTERM', () => exit('SIGTERM'));
  // PM2 sends this instead of a signal where signals are unavailable (and with shutdown_with_message).
  process.on('message', (msg) => {
    if (msg === 'shutdown') exit('shutdown message');
  });
  process.on('uncaughtException', (err) => {
    processLogger().fatal({ err }, 'uncaught exception; exiting so the supervisor restarts a clean process');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    processLogger().fatal({ err }, 'unhandled promise rejection; exiting so the supervisor restarts a clean process');
    process.exit(1);
  });
}
