// A flood from another process (so it does not share the measuring test's event loop):
// node flood.mjs <url> <authorization> <body> <concurrency> <durationMs>
const [url, authorization, body, concurrency, durationMs] = process.argv.slice(2);
const end = Date.now() + Number(durationMs);
let sent = 0;
async function worker() {
  while (Date.now() < end) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
    } catch {
      // A flood does not care.
    }
    sent++;
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(`# flood sent ${sent} requests\n`);
