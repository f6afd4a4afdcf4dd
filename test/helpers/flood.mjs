// A flood from another process (so it does not share the measuring test's event loop), open loop: requests
// leave at a fixed rate whatever the answers, with at most <maxInFlight> outstanding, one per keep-alive
// connection as a crowd of clients would send them.
// node flood.mjs <url> <authorization> <body> <maxInFlight> <durationMs> <requestsPerSecond>
// Prints one JSON line at the end: {"sent", "ms", "statuses": {status or error code: count}}.
//
// It writes requests and reads answers on raw sockets rather than with fetch: the flood stands in for clients on
// other machines, so generating it must cost this machine as little as possible. With fetch it took most of a
// core of the two the bundle runs on, and the test measured the generator's CPU, not the bundle's isolation.
import net from 'node:net';

const [url, authorization, body, maxInFlight, durationMs, rate] = process.argv.slice(2);
const target = new URL(url);
const payload = Buffer.from(body);
const request = Buffer.concat([
  Buffer.from(
    `POST ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\nauthorization: ${authorization}\r\n` +
      `content-type: application/json\r\naccept: application/json, text/event-stream\r\n` +
      `content-length: ${payload.length}\r\n\r\n`,
  ),
  payload,
]);
const ANSWER_TIMEOUT_MS = 10_000;
const statuses = {};
const count = (key) => (statuses[key] = (statuses[key] ?? 0) + 1);
let sent = 0;
let inFlight = 0;
const idle = [];

/** One client connection: one request at a time, answers parsed just enough to know where each one ends. */
function connection() {
  const socket = net.connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let pending = false;
  let closed = false;
  let timer;
  const conn = {
    send() {
      pending = true;
      inFlight++;
      sent++;
      timer = setTimeout(() => fail('timeout'), ANSWER_TIMEOUT_MS);
      socket.write(request);
    },
  };
  const done = (key) => {
    clearTimeout(timer);
    pending = false;
    inFlight--;
    count(key);
  };
  const fail = (key) => {
    if (pending) done(key);
    if (!closed) socket.destroy();
  };
  socket.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buffered.subarray(0, headEnd).toString('latin1');
      const status = head.slice(9, 12);
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      let end;
      if (length) end = headEnd + 4 + Number(length[1]);
      else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        const last = buffered.indexOf('\r\n0\r\n\r\n', headEnd);
        if (last < 0) return;
        end = last + 7;
      } else return fail('unframed answer');
      if (buffered.length < end) return;
      buffered = buffered.subarray(end);
      done(status);
      if (/\r\nconnection: *close/i.test(head)) return socket.end();
      idle.push(conn);
    }
  });
  socket.on('error', (err) => fail(err.code ?? err.name));
  socket.on('close', () => {
    closed = true;
    fail('ECONNRESET');
    const i = idle.indexOf(conn);
    if (i >= 0) idle.splice(i, 1);
    connections.delete(conn);
  });
  return conn;
}

const connections = new Set();
const started = Date.now();
const end = started + Number(durationMs);
const intervalMs = 1000 / Number(rate);
while (Date.now() < end) {
  const due = Math.floor((Date.now() - started) / intervalMs);
  while (sent < due && inFlight < Number(maxInFlight)) {
    let conn = idle.pop();
    if (!conn) {
      if (connections.size >= Number(maxInFlight)) break;
      conn = connection();
      connections.add(conn);
    }
    conn.send();
  }
  await new Promise((r) => setTimeout(r, 1));
}
while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
process.stdout.write(`${JSON.stringify({ sent, ms: Date.now() - started, statuses })}\n`);
process.exit(0);
