import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { ConfigError, type Logger } from '@labmcp/service-kit/service';
import { Gauge, type Registry } from 'prom-client';

export interface TlsSettings {
  ROUTER_TLS_CERT_FILE?: string | undefined;
  ROUTER_TLS_KEY_FILE?: string | undefined;
  ROUTER_TLS_MIN_VERSION: 'TLSv1.2' | 'TLSv1.3';
  ROUTER_HEADERS_TIMEOUT_MS: number;
}

/**
 * TLS 1.2 suites with forward secrecy and authenticated encryption only (Mozilla's "intermediate" list, without
 * the DHE ones that need parameters of our own); TLS 1.3 suites are OpenSSL's, all of them modern.
 */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The certificate and key as read from their files, with what identifies the pair in logs and metrics. */
interface KeyPair {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 of the certificate (public), to tell certificates apart in the log. */
  fingerprint: string;
  notAfter: Date;
  subject: string;
}

/** What the router's TLS needs: the server options, and the files to watch for renewals. */
export interface RouterTls {
  options: TlsOptions;
  certFile: string;
  keyFile: string;
  /** The options without certificate and key, to build a renewed context from. */
  base: TlsOptions;
  current: KeyPair;
}

/**
 * The router's TLS from its settings: undefined without certificate and key files (plain HTTP), a ConfigError for
 * one without the other, an unreadable file, or a key that does not fit its certificate.
 */
export function routerTls(config: TlsSettings): RouterTls | undefined {
  const { ROUTER_TLS_CERT_FILE: certFile, ROUTER_TLS_KEY_FILE: keyFile } = config;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new ConfigError([
      `ROUTER_TLS_CERT_FILE and ROUTER_TLS_KEY_FILE go together: set ${certFile === undefined ? 'ROUTER_TLS_CERT_FILE' : 'ROUTER_TLS_KEY_FILE'} too`,
    ]);
  }
  const base: TlsOptions = {
    minVersion: config.ROUTER_TLS_MIN_VERSION,
    ciphers: TLS12_CIPHERS,
    // HTTP/1.1 only: see docs/configuration.md ("HTTPS") for why not HTTP/2.
    ALPNProtocols: ['http/1.1'],
    // A client that opens a connection and stalls in the handshake holds it no longer than one that stalls in
    // its request headers.
    handshakeTimeout: config.ROUTER_HEADERS_TIMEOUT_MS,
  };
  let current: KeyPair;
  try {
    current = readKeyPair(certFile, keyFile, base);
  } catch (err) {
    throw new ConfigError([`ROUTER_TLS_CERT_FILE / ROUTER_TLS_KEY_FILE: ${(err as Error).message}`]);
  }
  return { options: { ...base, cert: current.cert, key: current.key }, certFile, keyFile, base, current };
}

/** Reads and checks a certificate and key pair; throws saying what is wrong (never the key's content). */
function readKeyPair(certFile: string, keyFile: string, base: TlsOptions): KeyPair {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`${certFile} holds no PEM certificate`);
  }
  try {
    // Fails for a key that does not parse or does not belong to the certificate.
    createSecureContext({ ...base, cert, key });
  } catch (err) {
    throw new Error(`the key in ${keyFile} does not fit the certificate in ${certFile} (${(err as { code?: string }).code ?? 'invalid'})`);
  }
  return {
    cert,
    key,
    fingerprint: createHash('sha256').update(x509.raw).digest('hex').slice(0, 16),
    notAfter: new Date(x509.validTo),
    subject: x509.subject.replace(/\n/g, ', '),
  };
}

/** What changes when a file is replaced or rewritten (renewal tools rename new files into place, or swap links). */
function signature(file: string): string {
  try {
    const st = statSync(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Picks up renewed certificate files without a restart: every `intervalMs` the two files' metadata is compared
 * with what was last loaded, and on a change the pair is read, checked and handed to `setSecureContext`. New
 * connections get the new certificate; open ones (keep-alive, SSE streams) carry on with the one they began with.
 * A pair that does not check out (a renewal caught between writing its two files) is logged and tried again
 * when the files change again; the certificate in use stays. Returns a function that stops watching.
 */
export function watchCertificates(server: HttpsServer, tls: RouterTls, intervalMs: number, logger: Logger, registry: Registry): () => void {
  const expiry = new Gauge({
    name: 'labmcp_router_tls_certificate_expiry_timestamp_seconds',
    help: "When the router's TLS certificate in use expires (Unix time)",
    registers: [registry],
  });
  let current = tls.current;
  expiry.set(current.notAfter.getTime() / 1000);
  let seen = `${signature(tls.certFile)}|${signature(tls.keyFile)}`;
  logger.info({ certificate: current.fingerprint, subject: current.subject, notAfter: current.notAfter }, 'serving HTTPS');
  const timer = setInterval(() => {
    const now = `${signature(tls.certFile)}|${signature(tls.keyFile)}`;
    if (now === seen) return;
    seen = now;
    let next: KeyPair;
    try {
      next = readKeyPair(tls.certFile, tls.keyFile, tls.base);
    } catch (err) {
      logger.warn(
        { detail: (err as Error).message, certificate: current.fingerprint },
        'TLS files changed but do not make a usable pair yet; the certificate in use stays',
      );
      return;
    }
    if (next.fingerprint === current.fingerprint && next.key.equals(current.key)) return;
    server.setSecureContext({ ...tls.base, cert: next.cert, key: next.key });
    logger.info({ certificate: next.fingerprint, previous: current.fingerprint, subject: next.subject, notAfter: next.notAfter }, 'TLS certificate renewed');
    current = next;
    expiry.set(current.notAfter.getTime() / 1000);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
