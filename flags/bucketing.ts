/**
 * Deterministic, monotonic bucketing (CONTRACT.md §Bucketing): a user's bucket depends only on the
 * flag's salt and the user id, and a user is in the split iff bucket < basis points, so raising
 * the percentage only ever adds users.
 */
import { createHash } from 'node:crypto';
import { BUCKET_COUNT } from './model.js';

/**
 * bucket = uint32 big-endian of the first 4 bytes of SHA-256(UTF-8 `${salt}:${userId}`) mod 10000.
 * The modulo bias (2^32 mod 10000 = 7296) shifts a bucket's share by under 2e-6 of itself.
 */
export function bucketOf(salt: string, userId: string): number {
  const digest = createHash('sha256').update(`${salt}:${userId}`, 'utf8').digest();
  return digest.readUInt32BE(0) % BUCKET_COUNT;
}

export function isInSplit(bucket: number, basisPoints: number): boolean {
  return bucket < basisPoints;
}
