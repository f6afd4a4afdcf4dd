export { AUTH_ERROR_REASONS, AuthError, AuthUnavailableError, type AuthErrorReason } from './errors.js';
export {
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_SCOPES,
  HMAC_ALGORITHMS,
  MIN_SECRET_LENGTH,
  jwtSettingsSchema,
  type JwtSettings,
} from './settings.js';
export { principalFromClaims, requireScope, type AwsCredentials, type Principal } from './principal.js';
export { createJwtVerifier, type JwtVerifier, type JwtVerifierMode, type JwtVerifierOptions } from './verifier.js';
export { bearerTokenFrom } from './bearer.js';
export { DEMO_AUDIENCE, DEMO_ISSUER, demoKeyFile, loadOrCreateDemoKey, mintDemoToken, type MintDemoTokenOptions } from './demo-key.js';
