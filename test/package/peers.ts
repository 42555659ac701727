/**
 * The peer-dependency sets the package is checked against (test/package): the versions the
 * repository pins (devDependencies; the toolchain's plugins match them), the newest the npm
 * registry serves, and the lowest each `peerDependencies` range claims.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const PEERS = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/command"] as const;
export type Peer = (typeof PEERS)[number];
export type PeerSet = { label: "pinned" | "newest" | "lowest"; versions: Record<Peer, string> };

const REPO = path.resolve(__dirname, "../..");
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));

/** `peerDependencies` of package.json, e.g. `{ "@pulumi/pulumi": "^3.150.0", ... }`. */
export const PEER_RANGES: Record<Peer, string> = manifest.peerDependencies;
/** devDependencies of package.json (exact versions). */
export const DEV_VERSIONS: Record<string, string> = manifest.devDependencies;

/** Numeric order of release versions `X.Y.Z`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** The release versions (no pre-releases) of `versions`, lowest first. */
export function releases(versions: string[]): string[] {
  return versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(compareVersions);
}

function npmView(spec: string, field: string): unknown {
  const out = execFileSync("npm", ["view", spec, field, "--json"], { encoding: "utf8", timeout: 120_000 });
  return JSON.parse(out);
}

/** The version the registry's `latest` tag points at. */
export function newestVersion(pkg: string): string {
  return String(npmView(pkg, "version"));
}

/** The release versions the registry serves inside `range` (`npm view pkg@range version`), lowest first. */
export function versionsInRange(pkg: string, range: string): string[] {
  const answer = npmView(`${pkg}@${range}`, "version");
  return releases(Array.isArray(answer) ? answer.map(String) : answer === undefined ? [] : [String(answer)]);
}

/** The three peer sets; `inRange` is each range's served releases (asked once). */
export function peerSets(inRange: Record<Peer, string[]>): PeerSet[] {
  const of = (f: (p: Peer) => string) => Object.fromEntries(PEERS.map((p) => [p, f(p)])) as Record<Peer, string>;
  return [
    { label: "pinned", versions: of((p) => DEV_VERSIONS[p]) },
    { label: "newest", versions: of(newestVersion) },
    { label: "lowest", versions: of((p) => inRange[p][0] ?? `none in ${PEER_RANGES[p]}`) },
  ];
}
