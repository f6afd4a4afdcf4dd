// Certificates for the HTTPS tests, made by openssl on the spot (EC P-256, valid two days): self-signed ones, a
// private certificate authority, and certificates that authority signs, as a company's own CA would.
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Certificate {
  /** The certificate's and its key's files (PEM). */
  cert: string;
  key: string;
  pem: Buffer;
  fingerprint: string;
}

/** Whether the openssl command is there (the tests that need it skip without it). */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A certificate for `altNames` (`DNS:localhost`, `IP:127.0.0.1`) in a folder of its own, `dir/name`: self-signed,
 * or signed by `issuer` (see `makeAuthority`).
 */
export function makeCertificate(dir: string, name: string, altNames: string[], issuer?: Certificate): Certificate {
  const { folder, cert, key } = filesOf(dir, name);
  const subjectAltName = `subjectAltName=${altNames.join(',')}`;
  if (!issuer) return selfSigned(cert, key, name, ['-addext', subjectAltName]);
  const request = path.join(folder, 'request.pem');
  const extensions = path.join(folder, 'extensions.cnf');
  writeFileSync(extensions, `basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n${subjectAltName}\n`);
  openssl(['req', '-new', ...NEW_KEY, '-keyout', key, '-out', request, '-subj', `/CN=labmcp test ${name}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    issuer.cert,
    '-CAkey',
    issuer.key,
    '-set_serial',
    String(Date.now()),
    '-days',
    '2',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  return loaded(cert, key);
}

/** A private certificate authority, to sign certificates with (`makeCertificate`'s `issuer`) and to be trusted. */
export function makeAuthority(dir: string, name: string): Certificate {
  const { cert, key } = filesOf(dir, name);
  return selfSigned(cert, key, name, ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
}

function filesOf(dir: string, name: string): { folder: string; cert: string; key: string } {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  return { folder, cert: path.join(folder, 'cert.pem'), key: path.join(folder, 'key.pem') };
}

function selfSigned(cert: string, key: string, name: string, extensions: string[]): Certificate {
  openssl(['req', '-x509', ...NEW_KEY, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=labmcp test ${name}`, ...extensions]);
  return loaded(cert, key);
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

function loaded(cert: string, key: string): Certificate {
  const pem = readFileSync(cert);
  return { cert, key, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}
