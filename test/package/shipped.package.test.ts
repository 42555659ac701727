/**
 * The package as users get it (`npm run test:package`): `npm pack`, the tarball installed into
 * a fresh project outside the repository with each peer set (the pinned versions, the newest
 * the npm registry serves, the lowest the `peerDependencies` ranges claim), then
 *   - `npx vk8s --help` and `vk8s validate` from the installed bin,
 *   - tsc over a user program (test/package/program) against the installed .d.ts files,
 *     and a broken copy of it that must be refused,
 *   - with the toolchain (pinned set only: the plugin cache holds those provider versions),
 *     `pulumi preview` of the program with a local file backend against the local host
 *     control plane, which creates nothing.
 * Needs the npm registry. Prints the versions tested.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEV_VERSIONS, PEER_RANGES, PEERS, peerSets, versionsInRange, type Peer, type PeerSet } from "./peers";

const REPO = path.resolve(__dirname, "../..");
const PROGRAM = path.join(__dirname, "program");
const toolchain = !!process.env.VK8S_TOOLCHAIN_DIR && spawnSync("sh", ["-c", "command -v pulumi && command -v kube-apiserver"]).status === 0;

/** `out` is stdout and stderr together; `stdout` alone. */
interface Run { code: number; out: string; stdout: string }
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeout = 600_000): Run {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}
function must(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.out.slice(-6000)}`);
  return r;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-package-"));
const inRange = Object.fromEntries(PEERS.map((p) => [p, versionsInRange(p, PEER_RANGES[p])])) as Record<Peer, string[]>;
const sets = peerSets(inRange);
let tarball: string;

beforeAll(() => {
  const packed = must(run("npm", ["pack", "--pack-destination", work, "--json"], REPO), "npm pack");
  tarball = path.join(work, JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[")))[0].filename);
  console.log(`package test in ${work}; peer sets:\n${sets.map((s) => `  ${s.label}: ${PEERS.map((p) => `${p}@${s.versions[p]}`).join(" ")}`).join("\n")}`);
});

afterAll(() => {
  if (process.env.VK8S_KEEP_PACKAGE_TEST !== "1") fs.rmSync(work, { recursive: true, force: true });
});

test("the newest version of each peer is inside its peerDependencies range", () => {
  const newest = sets.find((s) => s.label === "newest")!.versions;
  for (const p of PEERS) expect({ peer: p, range: PEER_RANGES[p], newest: newest[p], inRange: inRange[p].includes(newest[p]) }).toMatchObject({ inRange: true });
});

test("the tarball holds the build, the kink image files and no sources or tests", () => {
  const files = must(run("tar", ["tzf", tarball], work), "tar").out.split("\n").filter(Boolean);
  expect(files).toEqual(expect.arrayContaining(["package/package.json", "package/dist/index.js", "package/dist/index.d.ts", "package/dist/bin/vk8s.js", "package/images/kink/Dockerfile"]));
  expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  expect(files.filter((f) => /(^|\/)(test|policy|scripts|examples)\//.test(f))).toEqual([]);
});

describe.each(sets)("installed with the $label peers", (set: PeerSet) => {
  let project: string;

  beforeAll(() => {
    project = path.join(work, set.label);
    fs.cpSync(PROGRAM, project, { recursive: true });
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: `vk8s-package-check-${set.label}`, private: true, main: "index.ts" }, null, 2));
    const deps = [tarball, ...PEERS.map((p) => `${p}@${set.versions[p]}`), `typescript@${DEV_VERSIONS.typescript}`, `@types/node@${DEV_VERSIONS["@types/node"]}`];
    must(run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", ...deps], project), `npm install (${set.label})`);
    const installed = PEERS.map((p) => JSON.parse(fs.readFileSync(path.join(project, "node_modules", p, "package.json"), "utf8")).version);
    expect(installed).toEqual(PEERS.map((p) => set.versions[p]));
  });

  test("npx vk8s --help prints the usage and exits 0", () => {
    const r = must(run("npx", ["--no-install", "vk8s", "--help"], project), "vk8s --help");
    expect(r.out).toMatch(/^Usage:\n {2}vk8s validate FILE/);
    expect(r.out).toContain("Exit codes: 0 ok, 1 invalid cluster spec, 2 usage error");
  });

  test("vk8s validate accepts the original sample and refuses a broken spec", () => {
    const good = run("npx", ["--no-install", "vk8s", "validate", path.join(REPO, "test/fixtures/samples/sample-kf14-gpu.yaml")], project);
    expect(good).toMatchObject({ code: 0 });
    expect(good.out).toContain("sample4: kubernetes 1.20.15");
    const bad = run("npx", ["--no-install", "vk8s", "validate", path.join(REPO, "test/fixtures/samples/broken-spec.yaml")], project);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('kubeflow.email: "not-an-email" is not an email address');
  });

  test("the program type-checks against the installed types (skipLibCheck off)", () => {
    must(run("npx", ["--no-install", "tsc", "-p", "tsconfig.json", "--noEmit", "--pretty", "false"], project), "tsc");
  });

  test("a program with a wrong node role is refused by the installed types", () => {
    const broken = path.join(project, "broken");
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, "index.ts"), fs.readFileSync(path.join(project, "index.ts"), "utf8").replace('role: "master"', 'role: "boss"'));
    const r = run("npx", ["--no-install", "tsc", "--noEmit", "--pretty", "false", "--strict", "--skipLibCheck", "--module", "commonjs", "--moduleResolution", "node", "--target", "es2020", path.join(broken, "index.ts")], project);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/broken\/index\.ts\(\d+,\d+\): error TS2322: Type '"boss"' is not assignable to type '"(master|worker)" \| "(master|worker)"'/);
  });

  (toolchain && set.label === "pinned" ? test : test.skip)("pulumi preview plans the cluster with a local backend and creates nothing", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEnv, stopEnv, Stack, kubectl } = require("../e2e/harness") as typeof import("../e2e/harness");
    const env = startEnv();
    try {
      const stack = new Stack(env, "package", project);
      stack.init({}, { kubeflowPassword: "package-Test-Passw0rd-7a2c" });
      const preview = must(stack.withConfig(["preview", "--json"]), "pulumi preview");
      const steps: { op: string; urn: string }[] = JSON.parse(preview.stdout).steps ?? [];
      const types = new Set(steps.filter((s) => s.op === "create").map((s) => s.urn.split("::")[2].split("$").pop()));
      expect([...types]).toEqual(expect.arrayContaining(["vk8s:index:Vk8sCluster", "kubernetes:core/v1:Namespace", "kubernetes:apps/v1:StatefulSet", "command:remote:Command"]));
      expect(preview.stdout).not.toContain("package-Test-Passw0rd-7a2c");
      expect(kubectl(env.hostKubeconfig, ["get", "namespaces", "-o", "name"])).not.toContain("vk8s-team-a");
    } finally {
      stopEnv(env);
    }
  });
});
