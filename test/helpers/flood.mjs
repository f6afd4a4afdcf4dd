// A flood from another process (so it does not share the measuring test's event loop), open loop: requests
// leave at a fixed rate whatever the answers, with at most <maxInFlight> outstanding.
// node flood.mjs <url> <authorization> <body> <maxInFlight> <durationMs> <requestsPerSecond>
// Prints one JSON line at the end: {"sent", "ms", "statuses": {status or error code: count}}.
const [url, authorization, body, maxInFlight, durationMs, rate] = process.argv.slice(2);
const end = Date.now() + Number(durationMs);
const intervalMs = 1000 / Number(rate);
let sent = 0;
let inFlight = 0;
const statuses = {};
const fire = async () => {
  inFlight++;
  sent++;
  try {
    const res = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  } catch (err) {
    const code = err.cause?.code ?? err.name;
    statuses[code] = (statuses[code] ?? 0) + 1;
  } finally {
    inFlight--;
  }
};
const started = Date.now();
while (Date.now() < end) {
  const due = Math.floor((Date.now() - started) / intervalMs);
  while (sent < due && inFlight < Number(maxInFlight)) void fire();
  await new Promise((r) => setTimeout(r, 1));
}
while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
process.stdout.write(`${JSON.stringify({ sent, ms: Date.now() - started, statuses })}\n`);
