export { bearerTokenFrom } from './bearer.js';
export { DEMO_AUDIENCE, DEMO_ISSUER, demoKeyFile, loadOrCreateDemoKey, type MintDemoTokenOptions, mintDemoToken } from './demo-key.js';
export { AUTH_ERROR_REASONS, AuthError, type AuthErrorReason, AuthUnavailableError } from './errors.js';
export { type AwsCredentials, type Principal, principalFromClaims, requireScope } from './principal.js';
export {
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_SCOPES,
  HMAC_ALGORITHMS,
  type JwtSettings,
  jwtSettingsSchema,
  MIN_SECRET_LENGTH,
} from './settings.js';
export { createJwtVerifier, type JwtVerifier, type JwtVerifierMode, type JwtVerifierOptions } from './verifier.js';
