import { once } from 'node:events';
import net from 'node:net';

/**
 * A raw loopback connection that has written `parts`: for tests that decide what of a request arrives when (all
 * at once, in pieces, stalled, cut off). `received` is what came back so far; `closed` settles when it closes.
 */
export async function rawConnection(port: number, ...parts: string[]) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  const began = performance.now();
  for (const part of parts) socket.write(part);
  return { socket, closed, began, received: () => received };
}
