/**
 * The dex password hash: bcrypt that verifies, stable for the same password and kept salt
 * (no perpetual diff), salted per cluster with bcrypt's own random salt, and refusing
 * inputs that would weaken it.
 */
import * as bcrypt from "bcryptjs";
import { DEX_BCRYPT_COST, digest, hashDexPassword, newDexPasswordSalt } from "../src/bootstrap/password";
import { FIXTURE_PASSWORD, FIXTURE_SALT } from "./fixtures/bootstrapClusters";

describe("hashDexPassword", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SALT);

  test("is a bcrypt hash of cost 10 that verifies with bcryptjs.compareSync", () => {
    expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.getRounds(hash)).toBe(10);
    expect(bcrypt.compareSync(FIXTURE_PASSWORD, hash)).toBe(true);
    expect(bcrypt.compareSync(`${FIXTURE_PASSWORD}x`, hash)).toBe(false);
    expect(hash).not.toContain(FIXTURE_PASSWORD);
  });

  test("is stable for the same password and salt", () => {
    expect(hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SALT)).toBe(hash);
  });

  // Behaviour change (issue 13 item 5): the salt is the kept random one, so another
  // password on the same cluster keeps the salt (before: an HMAC of seed and password).
  test("uses the given salt: another salt gives another hash, another password keeps the salt", () => {
    const otherSalt = newDexPasswordSalt();
    const other = hashDexPassword(FIXTURE_PASSWORD, otherSalt);
    expect(bcrypt.getSalt(other)).toBe(otherSalt);
    expect(other).not.toBe(hash);
    expect(bcrypt.compareSync(FIXTURE_PASSWORD, other)).toBe(true);
    expect(bcrypt.getSalt(hashDexPassword("another-Password-3", FIXTURE_SALT))).toBe(bcrypt.getSalt(hash));
  });

  test("newDexPasswordSalt is bcrypt's random salt of the dex cost", () => {
    const salts = new Set(Array.from({ length: 20 }, () => newDexPasswordSalt()));
    expect(salts.size).toBe(20);
    for (const s of salts) expect(s).toMatch(new RegExp(`^\\$2b\\$${DEX_BCRYPT_COST}\\$[./A-Za-z0-9]{22}$`));
  });

  const SALT_ERROR = "dex password salt: is not a bcrypt salt of cost 10 ($2b$10$ and 22 characters; pass the salt kept by the DexPasswordSalt resource, or newDexPasswordSalt())";
  test.each([
    ["fixture-seed-0123456789abcdef0123456789", FIXTURE_PASSWORD, SALT_ERROR],
    ["$2a$12$Fixture.Salt.01234567u", FIXTURE_PASSWORD, SALT_ERROR],
    ["$2a$10$Fixture.Salt.0123456", FIXTURE_PASSWORD, SALT_ERROR],
    [FIXTURE_SALT, "", "vk8s: hashDexPassword called with an empty password; the validation refuses it first: report this as a bug"],
    [FIXTURE_SALT, "p".repeat(73), "vk8s: hashDexPassword called with a password over 72 bytes; the validation refuses it first: report this as a bug"],
    // 74 bytes in 37 characters: bytes are counted, not characters.
    [FIXTURE_SALT, "é".repeat(37), "vk8s: hashDexPassword called with a password over 72 bytes; the validation refuses it first: report this as a bug"],
  ])("refuses salt/password %#", (salt, password, message) => {
    expect(() => hashDexPassword(password, salt)).toThrow(new Error(message));
  });
});

test("digest is the sha256 hex of the text", () => {
  expect(digest("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
