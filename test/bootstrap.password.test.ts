/**
 * The dex password hash: bcrypt that verifies, stable for the same password and seed (no
 * perpetual diff), salted differently per seed, and refusing inputs that would weaken it.
 */
import * as bcrypt from "bcryptjs";
import { digest, hashDexPassword, MIN_SEED_LENGTH } from "../src/bootstrap/password";
import { FIXTURE_PASSWORD, FIXTURE_SEED } from "./fixtures/bootstrapClusters";

describe("hashDexPassword", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SEED);

  test("is a bcrypt hash of cost 10 that verifies with bcryptjs.compareSync", () => {
    expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.getRounds(hash)).toBe(10);
    expect(bcrypt.compareSync(FIXTURE_PASSWORD, hash)).toBe(true);
    expect(bcrypt.compareSync(`${FIXTURE_PASSWORD}x`, hash)).toBe(false);
    expect(hash).not.toContain(FIXTURE_PASSWORD);
  });

  test("is stable for the same password and seed", () => {
    expect(hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SEED)).toBe(hash);
  });

  test("gets a different salt for another seed or another password", () => {
    const otherSeed = hashDexPassword(FIXTURE_PASSWORD, `${FIXTURE_SEED}-other-cluster`);
    expect(bcrypt.getSalt(otherSeed)).not.toBe(bcrypt.getSalt(hash));
    expect(bcrypt.compareSync(FIXTURE_PASSWORD, otherSeed)).toBe(true);
    expect(bcrypt.getSalt(hashDexPassword("another-Password-3", FIXTURE_SEED))).not.toBe(bcrypt.getSalt(hash));
  });

  test.each([
    ["x".repeat(MIN_SEED_LENGTH - 1), FIXTURE_PASSWORD,
      "dex password seed: 31 characters is too short to keep the salt secret (use a secret of at least 32 characters, e.g. a random value stored as a stack secret)"],
    [FIXTURE_SEED, "", "kubeflow.password: is empty (set the Kubeflow login password)"],
    [FIXTURE_SEED, "p".repeat(73), "kubeflow.password: is longer than 72 bytes, and bcrypt ignores the rest (use at most 72 bytes)"],
  ])("refuses seed %#", (seed, password, message) => {
    expect(() => hashDexPassword(password, seed)).toThrow(new Error(message));
  });
});

test("digest is the sha256 hex of the text", () => {
  expect(digest("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
