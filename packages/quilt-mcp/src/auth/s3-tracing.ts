import type { S3Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import { inSpan } from '@labmcp/service-kit/service';
import type { FinalizeRequestMiddleware } from '@smithy/types';

/**
 * Puts each S3 request of a client into the trace of the work that made it: a client span per attempt (while
 * spans are exported) and a `traceparent` header on the request. It runs after signing, so the header is not part
 * of the signature, and presigned URLs (made by a middleware placed before signing, which never sends) are left
 * alone. The span holds the operation, bucket and key, and the status: never headers, credentials or URLs.
 */
export function traceS3Requests(client: S3Client): S3Client {
  client.middlewareStack.addRelativeTo(traceMiddleware, {
    name: 'labmcpTraceMiddleware',
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    override: true,
  });
  return client;
}

const traceMiddleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next, context) => (args) => {
  const operation = (context.commandName ?? 'S3Command').replace(/Command$/, '');
  const input = args.input as { Bucket?: unknown; Key?: unknown };
  const attributes = {
    'rpc.system': 'aws-api',
    'rpc.service': 'S3',
    'rpc.method': operation,
    ...(typeof input.Bucket === 'string' && { 'aws.s3.bucket': input.Bucket }),
    ...(typeof input.Key === 'string' && { 'aws.s3.key': input.Key }),
  };
  return inSpan(`S3.${operation}`, 'client', attributes, async (span) => {
    const request = args.request as { headers?: Record<string, string>; hostname?: string };
    const traceparent = span.traceparent();
    if (traceparent !== undefined && request.headers) request.headers.traceparent = traceparent;
    if (typeof request.hostname === 'string') span.set({ 'server.address': request.hostname });
    try {
      const result = await next(args);
      const status = (result.response as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number') span.set({ 'http.response.status_code': status });
      return result;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
      if (typeof status === 'number') span.set({ 'http.response.status_code': status });
      throw err;
    }
  });
};
