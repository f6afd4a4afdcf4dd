// An interactive client's pace of requests, timed from a process of its own: outside the test runner, whose
// coverage recording and hooks would otherwise be part of every latency measured.
// node probe.mjs <url> <headers as JSON> <body> <paceMs> <durationMs>
// Prints one JSON line at the end: {"latenciesMs": [...] of the 200 answers after the first few, "failures": {status or error code: count}}.
const [url, headersJson, body, paceMs, durationMs] = process.argv.slice(2);
const headers = { 'content-type': 'application/json', ...JSON.parse(headersJson) };
const end = Date.now() + Number(durationMs);
const latenciesMs = [];
const failures = {};
// The first answers include opening the connection and compiling the client: not the service's latency.
const WARM_UP = 5;
let requests = 0;
while (Date.now() < end) {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status !== 200) failures[res.status] = (failures[res.status] ?? 0) + 1;
    else if (++requests > WARM_UP) latenciesMs.push(performance.now() - started);
  } catch (err) {
    const code = err.cause?.code ?? err.name;
    failures[code] = (failures[code] ?? 0) + 1;
  }
  await new Promise((r) => setTimeout(r, Number(paceMs)));
}
process.stdout.write(`${JSON.stringify({ latenciesMs, failures })}\n`);
