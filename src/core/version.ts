/**
 * Versions, the one parser (bottom layer: imports no vk8s module). Numbers and comparison
 * are `semver`'s (node-semver, npm's own). What vk8s accepts as input is narrower and
 * looser than SemVer 2.0 at once: `1.20` (no patch), `v` prefixes, `26.03` (Kubeflow's
 * calendar line with a leading zero), image tags such as `v1.20-ubuntu`; so the grammar
 * below decides what is a version, then semver holds and compares it.
 */
import semver from "semver";

/**
 * What may follow the numbers: nothing (Kubernetes versions), a SemVer pre-release of at
 * most 64 characters (`-rc.1`: Kubeflow versions), or anything after `-`, `_` or `+`
 * (image tags: `v1.20-ubuntu`).
 */
export type VersionSuffix = "none" | "prerelease" | "tag";

// Each number has at most 4 digits: `1.20.999999999999999999999` would print as `1.20.1e+21`.
const NUMBERS = String.raw`^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?`;
const GRAMMAR: Record<VersionSuffix, RegExp> = {
  none: new RegExp(`${NUMBERS}$`),
  prerelease: new RegExp(`${NUMBERS}(?:-[0-9A-Za-z.-]{1,64})?$`),
  tag: new RegExp(`${NUMBERS}(?:[-_+].*)?$`),
};

/** A parsed version: semver's value (a missing patch is 0) and whether the patch was written. */
export interface ParsedVersion {
  version: semver.SemVer;
  patchGiven: boolean;
}

/** `v1.20` -> 1.20.0, `1.20.15` -> 1.20.15, `26.03` -> 26.3.0; `undefined` when `text` is not a version under `suffix`. */
export function parseVersion(text: string, suffix: VersionSuffix = "none"): ParsedVersion | undefined {
  const m = GRAMMAR[suffix].exec(text);
  if (!m) return undefined;
  return { version: new semver.SemVer(`${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`), patchGiven: m[3] !== undefined };
}

/** `major.minor` of a version: `1.20.15` -> `1.20`, `v1.9` -> `1.9`. */
export function minorOf(version: string | semver.SemVer): string {
  const v = typeof version === "string" ? coerced(version) : version;
  return `${v.major}.${v.minor}`;
}

/** Numeric comparison of dotted version lines (`v` prefix ignored, missing parts 0): `atLeast("1.10", "1.9")` is true. */
export function atLeast(version: string, minimum: string): boolean {
  return semver.gte(coerced(version), coerced(minimum));
}

/** True when `a`'s `major.minor` is below `b`'s (patches ignored). */
export function minorBelow(a: string, b: string): boolean {
  return semver.lt(coerced(minorOf(a)), coerced(minorOf(b)));
}

/** semver's value of a version known to be well-formed (from the matrix or a parsed input); throws otherwise. */
function coerced(version: string): semver.SemVer {
  const v = parseVersion(version.trim(), "tag");
  if (!v) throw new Error(`version: ${JSON.stringify(version)} is not a version (expected major.minor or major.minor.patch)`);
  return v.version;
}
