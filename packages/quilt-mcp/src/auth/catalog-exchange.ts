import { z } from 'zod';
import { type AwsCredentials, AwsCredentialsError } from './types.js';

/** The registry's answer, as quilt3 reads it (boto3-style names). */
const catalogCredentialsSchema = z.object({
  AccessKeyId: z.string().min(1),
  SecretAccessKey: z.string().min(1),
  SessionToken: z.string().min(1).optional(),
  Expiration: z.union([z.string().min(1), z.number()]),
});

export interface CatalogCredentials {
  credentials: AwsCredentials;
  expiresAt: Date;
}

export interface CatalogExchangeOptions {
  timeoutMs: number;
  now: () => number;
  fetch?: typeof fetch;
}

/**
 * `GET {registry}/api/auth/get_credentials` with the caller's own bearer token: the catalog answers with STS
 * credentials for that user's role, so S3 access is the user's, not ours.
 */
export async function fetchCatalogCredentials(registryUrl: string, bearerToken: string, options: CatalogExchangeOptions): Promise<CatalogCredentials> {
  const url = `${registryUrl}/api/auth/get_credentials`;
  const where = new URL(url).origin;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${bearerToken}`, accept: 'application/json' },
      // The request carries the caller's token: never let a redirect carry it somewhere else.
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    if ((err as Error)?.name === 'TimeoutError') {
      throw new AwsCredentialsError(
        'catalog_timeout',
        `The Quilt catalog at ${where} did not answer the AWS credential request within ${options.timeoutMs} ms.`,
        { cause: err },
      );
    }
    throw new AwsCredentialsError(
      'catalog_unreachable',
      `The Quilt catalog at ${where} could not be reached for AWS credentials (${describeNetworkError(err)}).`,
      { cause: err },
    );
  }

  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new AwsCredentialsError(
      'catalog_refused',
      `The Quilt catalog at ${where} refused to issue AWS credentials for your token (HTTP ${response.status}); sign in to the catalog again.`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AwsCredentialsError('catalog_error', `The Quilt catalog at ${where} failed to issue AWS credentials (HTTP ${response.status}).`);
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch (err) {
    if ((err as Error)?.name === 'TimeoutError') {
      throw new AwsCredentialsError('catalog_timeout', `The Quilt catalog at ${where} did not finish answering within ${options.timeoutMs} ms.`, {
        cause: err,
      });
    }
    throw new AwsCredentialsError('catalog_bad_response', `The Quilt catalog at ${where} answered the AWS credential request with something that is not JSON.`);
  }
  const parsed = catalogCredentialsSchema.safeParse(body);
  if (!parsed.success) {
    // Name the fields that are wrong, never what they hold.
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(body)'))].join(', ');
    throw new AwsCredentialsError('catalog_bad_response', `The Quilt catalog at ${where} answered without usable AWS credentials (${fields}).`);
  }
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = parsed.data;
  const expiresAt = parseExpiration(Expiration);
  if (!expiresAt) {
    throw new AwsCredentialsError('catalog_bad_response', `The Quilt catalog at ${where} answered with an unreadable credential Expiration.`);
  }
  if (expiresAt.getTime() <= options.now()) {
    throw new AwsCredentialsError(
      'catalog_bad_response',
      `The Quilt catalog at ${where} answered with AWS credentials that have already expired; check the clocks.`,
    );
  }
  return {
    credentials: { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, ...(SessionToken ? { sessionToken: SessionToken } : {}) },
    expiresAt,
  };
}

/** ISO 8601 (what the registry sends), or epoch seconds / milliseconds from look-alike services. */
function parseExpiration(value: string | number): Date | undefined {
  const ms = typeof value === 'number' ? (value < 1e11 ? value * 1000 : value) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Undici puts the useful part (ECONNREFUSED, ENOTFOUND, a TLS error) in the cause; none of it holds the token. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if ((err as Error)?.message?.includes('redirect')) return 'it answered with a redirect';
  if (typeof cause?.message === 'string' && cause.message) return cause.message.slice(0, 200);
  return 'network error';
}
