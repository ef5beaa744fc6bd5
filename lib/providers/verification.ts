import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretSet } from '../config/secrets';
import { VerificationError } from '../errors';

export function hmac(algorithm: 'sha1' | 'sha256', key: string, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** SHA-256 of text (as UTF-8) or of exact bytes. */
export function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Constant-time equality of two digests. Only the length (public: it is fixed by the algorithm) can short-circuit. */
export function digestsEqual(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes a hex digest of `bytes` length (either case), or returns undefined. */
export function decodeHexDigest(text: string, bytes: number): Buffer | undefined {
  return text.length === bytes * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Decodes a base64 digest of `bytes` length, or returns undefined. */
export function decodeBase64Digest(text: string, bytes: number): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes ? decoded : undefined;
}

/**
 * Tries every configured key (key rotation) in constant time per key, and throws the 401 of
 * README, "Routes and answers" when none matches. `received` is undefined when the header was not decodable.
 */
export function assertAnyKeyMatches(
  keys: SecretSet,
  received: Buffer | undefined,
  expectedFor: (key: string) => Buffer,
): void {
  if (received === undefined) throw new VerificationError('bad_signature', 'not a well-formed digest');
  if (!keys.matchesAny((key) => digestsEqual(expectedFor(key), received))) {
    throw new VerificationError('bad_signature');
  }
}

/** Parses a Unix timestamp header or parameter: an integer, in seconds or (if ≥ 1e12) milliseconds. */
export function parseUnixTimestamp(text: string | undefined, name: string): number {
  if (text === undefined || text === '') throw new VerificationError('missing_timestamp', `${name} is missing`);
  if (!/^\d{1,16}$/.test(text)) throw new VerificationError('bad_timestamp', name);
  const value = Number(text);
  return value >= 1e12 ? value : value * 1000;
}

/**
 * Replay protection in both directions: a timestamp too far in the past or in the future is
 * refused. A tolerance of 0 turns the check off.
 */
export function assertFresh(timestampMs: number, nowMs: number, toleranceSeconds: number, name: string): void {
  if (toleranceSeconds > 0 && Math.abs(nowMs - timestampMs) > toleranceSeconds * 1000) {
    throw new VerificationError('stale_timestamp', `${name} is more than ${toleranceSeconds} s from now`);
  }
}

export function requireHeader(headers: Readonly<Record<string, string>>, name: string): string {
  const value = headers[name];
  if (value === undefined || value === '')
    throw new VerificationError('missing_signature', `${name} header is missing`);
  return value;
}
