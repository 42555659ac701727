/** The version helpers of the package tier (test/package/peers.ts): pure parts only. */
import { execSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

test.each(["build", "prepare"])("npm run %s empties dist/ before tsc (no removed module is packed)", (script) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [clean, compile] = pkg.scripts[script].split(" && ");
  expect(compile).toBe("tsc -p tsconfig.json");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-clean-"));
  try {
    fs.mkdirSync(path.join(dir, "dist", "src", "spec"), { recursive: true });
    fs.writeFileSync(path.join(dir, "dist", "src", "spec", "stale.js"), "");
    fs.writeFileSync(path.join(dir, "keep.txt"), "");
    execSync(clean, { cwd: dir, stdio: "pipe" });
    expect(fs.existsSync(path.join(dir, "dist"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "keep.txt"))).toBe(true);
    execSync(clean, { cwd: dir, stdio: "pipe" }); // no dist/: still succeeds
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
