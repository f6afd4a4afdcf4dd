/**
 * Reads a response body up to `limit` bytes. Too large (declared or actual): `tooLarge`, and the rest is not
 * read; with `truncate`, the first `limit` bytes are kept instead (error bodies, where the start is enough).
 */
export async function readBytesBounded(res: Response, limit: number, truncate: boolean): Promise<{ bytes: Buffer; tooLarge: boolean; declared?: number }> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (!truncate && Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    return { bytes: Buffer.alloc(0), tooLarge: true, declared };
  }
  if (!res.body) return { bytes: Buffer.alloc(0), tooLarge: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      if (!truncate) return { bytes: Buffer.alloc(0), tooLarge: true };
      chunks.push(value.subarray(0, value.byteLength - (size - limit)));
      break;
    }
    chunks.push(value);
  }
  return { bytes: Buffer.concat(chunks), tooLarge: false };
}
