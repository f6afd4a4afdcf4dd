export { quiltAwsSettingsSchema, type QuiltAwsSettings } from './settings.js';
export {
  AwsCredentialsError,
  type AwsCredentials,
  type AwsCredentialsErrorCode,
  type CredentialSubject,
  type ResolvedAwsCredentials,
} from './types.js';
export { fetchCatalogCredentials, type CatalogCredentials, type CatalogExchangeOptions } from './catalog-exchange.js';
export { createAwsCredentialResolver, resolveAwsCredentials, type AwsCredentialResolver, type AwsCredentialResolverOptions } from './credentials.js';
export { S3ClientPool, type S3ClientPoolOptions } from './s3-pool.js';
