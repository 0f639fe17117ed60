// Discord signs every request to an interactions endpoint with the application's Ed25519 key: the
// signature (X-Signature-Ed25519, hex) covers the timestamp (X-Signature-Timestamp) followed by the raw
// body. Verified with node:crypto; Discord sends forgeries on purpose and removes endpoints that accept them.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The application's public key (Developer Portal → General Information → Public Key, 64 hex characters). */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('a Discord public key is 64 hexadecimal characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/** True when `signatureHex` is the key's signature of timestamp + body. Malformed input is simply false. */
export function verifySignature(key: KeyObject, timestamp: string, body: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex) || timestamp.length === 0 || timestamp.length > 20) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
