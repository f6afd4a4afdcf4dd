export { type CatalogCredentials, type CatalogExchangeOptions, fetchCatalogCredentials } from './catalog-exchange.js';
export { type AwsCredentialResolver, type AwsCredentialResolverOptions, createAwsCredentialResolver, resolveAwsCredentials } from './credentials.js';
export { S3ClientPool, type S3ClientPoolOptions } from './s3-pool.js';
export { type QuiltAwsSettings, quiltAwsSettingsSchema } from './settings.js';
export {
  type AwsCredentials,
  AwsCredentialsError,
  type AwsCredentialsErrorCode,
  type CredentialSubject,
  type ResolvedAwsCredentials,
} from './types.js';
