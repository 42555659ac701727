/** The version helpers of the package tier (test/package/peers.ts): pure parts only. */
import { compareVersions, PEER_RANGES, PEERS, releases } from "./package/peers";

test("releases keeps X.Y.Z versions in numeric order, without pre-releases", () => {
  expect(releases(["3.150.0", "3.99.1", "3.150.0-alpha.1", "10.0.0", "3.9.12"])).toEqual(["3.9.12", "3.99.1", "3.150.0", "10.0.0"]);
  expect(releases([])).toEqual([]);
});

test.each([
  ["1.2.3", "1.2.3", 0],
  ["1.2.3", "1.10.0", -1],
  ["2.0.0", "1.99.99", 1],
])("compareVersions(%s, %s) has the sign %d", (a, b, sign) => {
  expect(Math.sign(compareVersions(a, b))).toBe(sign);
});

test("every peer has a range in package.json", () => {
  expect(PEERS.map((p) => typeof PEER_RANGES[p])).toEqual(["string", "string", "string"]);
});
