/** One POST to an MCP endpoint, answered as raw bytes, for tests that compare two servers' answers byte for byte. */

export interface Answer {
  status: number;
  /** All headers but those that differ from one answer to the next (date, request id, connection). */
  headers: [string, string][];
  body: Buffer;
}

export async function ask(url: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
  const skip = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
  return { status: res.status, headers: [...res.headers].filter(([n]) => !skip.has(n)), body: Buffer.from(await res.arrayBuffer()) };
}
