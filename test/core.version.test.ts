import { atLeast, minorBelow, minorOf, parseVersion } from "../src/core/version";

describe("parseVersion (grammar here, numbers and order from semver)", () => {
  test.each<[string, "none" | "prerelease" | "tag", string | undefined, boolean | undefined]>([
    ["1.20", "none", "1.20.0", false],
    ["v1.20.15", "none", "1.20.15", true],
    ["26.03", "none", "26.3.0", false],
    ["1.20.999999999999999999999", "none", undefined, undefined],
    ["1", "none", undefined, undefined],
    ["1.2.3.4", "none", undefined, undefined],
    ["v1.3.0-rc.1", "none", undefined, undefined],
    ["v1.3.0-rc.1", "prerelease", "1.3.0", true],
    ["v1.3_rc", "prerelease", undefined, undefined],
    ["v1.20-ubuntu", "tag", "1.20.0", false],
    ["v1.20_1", "tag", "1.20.0", false],
    ["latest", "tag", undefined, undefined],
  ])("%s (%s)", (text, suffix, expected, patchGiven) => {
    const parsed = parseVersion(text, suffix);
    expect(parsed?.version.version).toBe(expected);
    expect(parsed?.patchGiven).toBe(patchGiven);
  });

  test.each([
    ["1.10", "1.9", true], ["1.9", "1.10", false], ["v1.20.15", "1.20", true], ["1.20", "1.20.1", false],
    ["26.03", "1.11", true], ["3.24.0", "3.24", true], ["3.23.5", "3.24", false],
  ])("atLeast(%s, %s) is %s", (a, b, expected) => {
    expect(atLeast(a, b)).toBe(expected);
  });

  test("minorOf and minorBelow ignore patches and leading zeros", () => {
    expect(minorOf("v26.03.1")).toBe("26.3");
    expect(minorBelow("1.20.15", "1.21")).toBe(true);
    expect(minorBelow("1.21.0", "1.21.9")).toBe(false);
    expect(() => atLeast("latest", "1.0")).toThrow('version: "latest" is not a version (expected major.minor or major.minor.patch)');
  });
});
