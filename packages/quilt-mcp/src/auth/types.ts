export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * What credential resolution needs to know about the caller. It is the shape of service-kit's `Principal`, kept
 * structural so this module does not depend on the auth module's build output.
 */
export interface CredentialSubject {
  userId: string;
  awsCredentials?: AwsCredentials | undefined;
  tokenExpiresAt?: Date | undefined;
}

export type ResolvedAwsCredentials =
  /** Handed to the caller by the token issuer, in the token's `aws_credentials` claim. */
  | { source: 'token-claim'; credentials: AwsCredentials; expiresAt?: Date }
  /** Exchanged for the caller's token at the Quilt catalog. */
  | { source: 'catalog'; credentials: AwsCredentials; expiresAt: Date }
  /** The container's own identity (default provider chain); only when QUILT_ALLOW_SERVICE_AWS_IDENTITY is on. */
  | { source: 'service-identity' };

export type AwsCredentialsErrorCode =
  | 'no_credentials'
  | 'catalog_refused'
  | 'catalog_error'
  | 'catalog_unreachable'
  | 'catalog_timeout'
  | 'catalog_bad_response';

const HTTP_STATUS: Record<AwsCredentialsErrorCode, number> = {
  no_credentials: 403,
  catalog_refused: 401,
  catalog_error: 502,
  catalog_unreachable: 502,
  catalog_timeout: 504,
  catalog_bad_response: 502,
};

/** No AWS credentials for this request. The message is safe to show the caller: it holds no token or key. */
export class AwsCredentialsError extends Error {
  override readonly name = 'AwsCredentialsError';
  constructor(
    readonly code: AwsCredentialsErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  /** The HTTP status this maps to: the caller's problem (401/403) or the catalog's (502/504). */
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}
