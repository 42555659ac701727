/**
 * The Kubeflow login's password as dex wants it: a bcrypt hash. The plain password is
 * hashed here, in the Pulumi program; only the hash travels (on the dex step's stdin) and
 * only a sha256 of the hash goes into triggers.
 *
 * The salt: bcrypt's own (`bcryptjs.genSaltSync`: 16 random bytes), generated once per
 * cluster and kept in Pulumi state as a secret (`components/dexPasswordSalt.ts`). Hashing
 * with the kept salt makes the hash stable across `pulumi up` (bcrypt with a fresh salt
 * would give a new hash, a new stdin and a re-run of the dex step every time), while the
 * salt itself is plain random, unrelated to the password or any other secret.
 */
import { createHash } from "node:crypto";
import * as bcrypt from "bcryptjs";
import { MAX_PASSWORD_BYTES } from "../cluster/rules/kubeflow";

/** bcrypt cost factor (2^10 rounds), the common default and what dex accepts fast enough. */
export const DEX_BCRYPT_COST = 10;

/** A bcrypt salt string: `$2a$`/`$2b$`/`$2y$`, two-digit cost, 22 characters of bcrypt's base64 (16 bytes). */
const BCRYPT_SALT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{22}$/;

/** sha256 hex digest, for triggers (never put a plain secret in a trigger). */
export function digest(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** A new random bcrypt salt of cost DEX_BCRYPT_COST (`$2b$10$` + 22 characters), from bcryptjs. */
export function newDexPasswordSalt(): string {
  return bcrypt.genSaltSync(DEX_BCRYPT_COST);
}

/**
 * bcrypt of `password` with `salt` (a kept `newDexPasswordSalt()`): the same inputs always
 * give the same hash. Verifies with `bcrypt.compareSync(password, hash)`.
 *
 * Errors (never quoting the password or the salt): a salt that is not a bcrypt salt of cost
 * DEX_BCRYPT_COST. An empty password or one over `MAX_PASSWORD_BYTES` (bcrypt reads only
 * the first 72) is a bug of the caller: the one validation (src/cluster/rules/kubeflow.ts)
 * refuses it first, naming `kubeflow.password`; this only asserts it.
 */
export function hashDexPassword(password: string, salt: string): string {
  if (!BCRYPT_SALT.test(salt) || Number(salt.slice(4, 6)) !== DEX_BCRYPT_COST) {
    throw new Error(
      `dex password salt: is not a bcrypt salt of cost ${DEX_BCRYPT_COST} ($2b$${DEX_BCRYPT_COST}$ and 22 characters; pass the salt kept by the DexPasswordSalt resource, or newDexPasswordSalt())`,
    );
  }
  if (password.length === 0) {
    throw new Error("vk8s: hashDexPassword called with an empty password; the validation refuses it first: report this as a bug");
  }
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new Error(`vk8s: hashDexPassword called with a password over ${MAX_PASSWORD_BYTES} bytes; the validation refuses it first: report this as a bug`);
  }
  return bcrypt.hashSync(password, salt);
}
