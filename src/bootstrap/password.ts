/**
 * The Kubeflow login's password as dex wants it: a bcrypt hash. The plain password is
 * hashed here, in the Pulumi program; only the hash travels (on the dex step's stdin) and
 * only a sha256 of the hash goes into triggers.
 *
 * Deterministic salt, and its tradeoff: bcrypt normally takes a random salt, so every
 * `pulumi up` would produce a new hash, a new stdin and a re-run of the dex step (a
 * perpetual diff). Here the 16-byte salt is HMAC-SHA256(seed, password), truncated, so the
 * same password and seed always give the same hash, while two clusters (two seeds) never
 * share a salt. The price: the salt, which is readable inside the hash (dex config map or
 * `dex-passwords` secret), is a keyed function of the password. With a secret,
 * high-entropy seed that reveals nothing (HMAC is a PRF); with a guessable seed (a cluster
 * name) it would let an attacker test password guesses at HMAC speed instead of bcrypt
 * speed. So the seed must be a secret of at least 32 characters, e.g. a random value kept
 * as a secret in the stack or derived from the access private key; short seeds are refused.
 */
import { createHash, createHmac } from "node:crypto";
import * as bcrypt from "bcryptjs";

/** bcrypt cost factor (2^10 rounds), the common default and what dex accepts fast enough. */
export const DEX_BCRYPT_COST = 10;

/** Minimum seed length: a seed shorter than this is likely guessable (see the module comment). */
export const MIN_SEED_LENGTH = 32;

/** sha256 hex digest, for triggers (never put a plain secret in a trigger). */
export function digest(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/**
 * bcrypt (`$2a$10$...`) of `password` with a salt derived from HMAC-SHA256(seed, password):
 * stable across runs for the same inputs, different per seed. Verifies with
 * `bcrypt.compareSync(password, hash)`.
 */
export function hashDexPassword(password: string, seed: string): string {
  if (seed.length < MIN_SEED_LENGTH) {
    throw new Error(
      `dex password seed: ${seed.length} characters is too short to keep the salt secret (use a secret of at least ${MIN_SEED_LENGTH} characters, e.g. a random value stored as a stack secret)`,
    );
  }
  if (password.length === 0) {
    throw new Error("kubeflow.password: is empty (set the Kubeflow login password)");
  }
  if (bcrypt.truncates(password)) {
    throw new Error("kubeflow.password: is longer than 72 bytes, and bcrypt ignores the rest (use at most 72 bytes)");
  }
  const saltBytes = createHmac("sha256", seed).update(password, "utf8").digest().subarray(0, 16);
  const cost = String(DEX_BCRYPT_COST).padStart(2, "0");
  const salt = `$2a$${cost}$${bcrypt.encodeBase64(saltBytes, 16)}`;
  return bcrypt.hashSync(password, salt);
}
