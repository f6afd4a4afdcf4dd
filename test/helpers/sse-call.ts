/** What a route answered to a tool call posted by a client that takes either form (JSON or an event stream). */
export interface SseCallAnswer {
  status: number;
  headers: Headers;
  /** The JSON-RPC message of each `data:` event, in order (the call's result is the last). */
  events: { id?: number; result?: { isError?: boolean }; method?: string }[];
}

/** Posts a `tools/call` (no arguments, id 7) as a 2025-era client does, and reads the events of the answer. */
export async function callAcceptingSse(fetcher: typeof fetch, url: string, headers: Record<string, string>, tool: string): Promise<SseCallAnswer> {
  const res = await fetcher(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: tool, arguments: {} } }),
    signal: AbortSignal.timeout(15_000),
  });
  const events = (await res.text())
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as SseCallAnswer['events'][number]);
  return { status: res.status, headers: res.headers, events };
}
