import { networkInterfaces } from 'node:os';

/**
 * An IPv4 address of this machine other than loopback: a client connecting there is "elsewhere" to a server bound to
 * 0.0.0.0 (its socket's address is not loopback). Undefined on a machine with loopback only.
 */
export function networkAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal)?.address;
}
