/**
 * The test infrastructure under tools/ checks what it claims, each proven to fail:
 *   - tools/depcheck.sh (dependency-cruiser, .dependency-cruiser.cjs): the repository passes; a
 *     folder cycle or a Pulumi import added to a temp copy of src/ fails it;
 *   - tools/shellcheck.sh: finds shell files by extension and by shebang, and fails a bad one;
 *   - tools/standins/gotest.sh: counts passed and failed Go tests (needs Go; skipped visibly without);
 *   - tools/toolchain.sh: a stand-in build is reused only while it was built from the committed
 *     go.mod and go.sum (a fake cache in a temp dir; no real build runs);
 *   - tools/toolchain.sh: the YAML language host's cached build is reused and put on PATH by env.sh,
 *     and without it and without a module proxy it is reported unavailable (no real build runs).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");
const bash = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync("bash", args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, encoding: "utf8", timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe("tools/depcheck.sh (dependency-cruiser)", () => {
  let copy: string;
  beforeEach(() => {
    // A copy of src/ and components/ with the real rules; node_modules linked for @pulumi/* resolution.
    copy = tmp("vk8s-depcheck-");
    for (const p of ["src", "components"]) fs.cpSync(path.join(REPO, p), path.join(copy, p), { recursive: true });
    for (const f of [".dependency-cruiser.cjs", "tsconfig.json"]) fs.copyFileSync(path.join(REPO, f), path.join(copy, f));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"));
  });
  afterEach(() => fs.rmSync(copy, { recursive: true, force: true }));

  test("the repository has no folder cycle in src/ and a pure src/", () => {
    const r = bash(["tools/depcheck.sh"]);
    expect(r.out).toContain("ok   no-folder-cycle-in-src");
    expect(r.out).toContain("ok   src-is-pure");
    expect(r.out).toMatch(/^depcheck: 2 passed, 0 failed/m);
    expect(r.status).toBe(0);
  });

  test("an untouched copy passes too (the fixture itself is clean)", () => {
    const r = bash(["tools/depcheck.sh", copy]);
    expect(r.out).toMatch(/^depcheck: 2 passed, 0 failed/m);
    expect(r.status).toBe(0);
  });

  test("a new cycle between two folders fails, naming both (no module-level cycle needed)", () => {
    // src/core (bottom layer) importing src/cluster, which imports src/core: a folder cycle only.
    fs.appendFileSync(path.join(copy, "src/core/version.ts"), '\nexport type { ResolvedCluster } from "../cluster/resolved";\n');
    const r = bash(["tools/depcheck.sh", copy]);
    expect(r.out).toMatch(/FAIL no-folder-cycle-in-src: src\/core -> src\/cluster/);
    expect(r.out).toMatch(/^depcheck: 1 passed, [1-9]\d* failed/m);
    expect(r.status).toBe(1);
  });

  test("src/ importing @pulumi/pulumi or components/ fails", () => {
    fs.appendFileSync(path.join(copy, "src/render/yaml.ts"), '\nimport * as pulumi from "@pulumi/pulumi";\nexport type Out = pulumi.Output<string>;\n');
    fs.appendFileSync(path.join(copy, "src/fl/names.ts"), '\nexport type { Vk8sClusterArgs } from "../../components/vk8sCluster";\n');
    const r = bash(["tools/depcheck.sh", copy]);
    expect(r.out).toMatch(/FAIL src-is-pure: src\/render\/yaml\.ts -> .*@pulumi\/pulumi/);
    expect(r.out).toMatch(/FAIL src-is-pure: src\/fl\/names\.ts -> components\/vk8sCluster\.ts/);
    expect(r.status).toBe(1);
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;
if (!shellcheck && process.env.CI === "true") {
  test("shellcheck is installed (CI)", () => {
    throw new Error("shellcheck is missing: bash scripts/setup.sh --only apt");
  });
}
(shellcheck ? describe : describe.skip)("tools/shellcheck.sh", () => {
  test("checks *.sh and shebang files (not other files), and fails a bad one", () => {
    const dir = tmp("vk8s-shellcheck-");
    try {
      fs.writeFileSync(path.join(dir, "good.sh"), '#!/bin/sh\necho "$1"\n');
      fs.mkdirSync(path.join(dir, "bin"));
      fs.writeFileSync(path.join(dir, "bin", "start"), "#!/usr/bin/env bash\necho $1\n"); // SC2086
      fs.writeFileSync(path.join(dir, "notes.txt"), "echo $1\n");
      fs.writeFileSync(path.join(dir, "tool.py"), "#!/usr/bin/env python3\nprint(1)\n");
      const r = bash([path.join(REPO, "tools/shellcheck.sh"), dir]);
      expect(r.out).toContain("ok   good.sh");
      expect(r.out).toContain("FAIL bin/start");
      expect(r.out).toContain("SC2086");
      expect(r.out).not.toContain("notes.txt");
      expect(r.out).not.toContain("tool.py");
      expect(r.out).toMatch(/^shellcheck: 1 passed, 1 failed$/m);
      expect(r.status).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const GO = ["/usr/local/go/bin/go", "go"].find((g) => spawnSync(g, ["version"], { encoding: "utf8" }).status === 0);
if (!GO) console.warn("go not found: skipping the gotest.sh counting test (tools/toolchain.sh installs Go in /usr/local/go)");
(GO ? describe : describe.skip)("tools/standins/gotest.sh", () => {
  test("counts passing and failing tests of each module and fails on a failure", () => {
    const dir = tmp("vk8s-gotest-");
    try {
      fs.copyFileSync(path.join(REPO, "tools/standins/gotest.sh"), path.join(dir, "gotest.sh"));
      const mod = path.join(dir, "demo");
      fs.mkdirSync(mod);
      fs.writeFileSync(path.join(mod, "go.mod"), "module vk8s.local/demo\n\ngo 1.22\n");
      fs.writeFileSync(path.join(mod, "demo.go"), "package demo\n\nfunc Two() int { return 2 }\n");
      fs.writeFileSync(path.join(mod, "demo_test.go"),
        'package demo\n\nimport "testing"\n\nfunc TestTwo(t *testing.T) {\n\tif Two() != 2 {\n\t\tt.Fatal("not 2")\n\t}\n}\n\n' +
        'func TestThree(t *testing.T) {\n\tif Two() != 3 {\n\t\tt.Fatal("want 3")\n\t}\n}\n');
      const r = bash([path.join(dir, "gotest.sh")], { env: { ...process.env, PATH: `${path.dirname(GO!)}:${process.env.PATH}`, GOPROXY: "off" } });
      expect(r.out).toContain("--- FAIL: TestThree");
      expect(r.out).toMatch(/^demo: 1 passed, 1 failed$/m);
      expect(r.out).toMatch(/^gotest: 1 passed, 1 failed$/m);
      expect(r.status).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe("tools/toolchain.sh: stand-in cache keys", () => {
  const standin = path.join(REPO, "tools/standins/command-provider");
  const version = /^COMMAND_PROVIDER_VERSION=(\S+)/m.exec(fs.readFileSync(path.join(REPO, "tools/toolchain.sh"), "utf8"))![1];
  // The cache folder's key: the sha256 of the `sha256sum ./file.go` lines of the non-test sources.
  const key = spawnSync("bash", ["-c", "find . -maxdepth 1 -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12"],
    { cwd: standin, encoding: "utf8" }).stdout.trim();
  let root: string;
  let folder: string;

  beforeEach(() => {
    // A fake cache holding a complete stand-in build and the module it was built from.
    root = tmp("vk8s-toolchain-");
    folder = `pulumi-resource-command-standin-v${version}-${key}`;
    fs.mkdirSync(path.join(root, folder, "bin"), { recursive: true });
    fs.writeFileSync(path.join(root, folder, ".complete"), "fake\n");
    fs.writeFileSync(path.join(root, folder, "bin/pulumi-resource-command"), "#!/bin/sh\necho vk8s-command-provider-stand-in\n", { mode: 0o755 });
    fs.mkdirSync(path.join(root, "src", folder), { recursive: true });
    for (const f of ["go.mod", "go.sum"]) fs.copyFileSync(path.join(standin, f), path.join(root, "src", folder, f));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  // GOPROXY=off and an empty module cache: a rebuild fails at once instead of building.
  const run = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VK8S_TOOLCHAIN_DIR: root, GOPROXY: "off", GOMODCACHE: path.join(root, "gomodcache"), GOFLAGS: "", VK8S_PROGRESS_SECONDS: "1" };
    delete env.PULUMI_HOME;
    return bash(["tools/toolchain.sh", "command-provider"], { env });
  };

  test("the key is the committed sources' hash: an unchanged module is a cache hit", () => {
    expect(key).toMatch(/^[0-9a-f]{12}$/);
    const r = run();
    expect(r.out).toContain(`pulumi-resource-command ${version} stand-in (vk8s): cached`);
    expect(r.out).not.toContain("building");
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(root, "env.sh"), "utf8")).toContain("export VK8S_COMMAND_PROVIDER='vk8s-stand-in'");
  });

  test("a build from another go.sum (the committed module changed) is rebuilt, from the committed module", () => {
    fs.appendFileSync(path.join(root, "src", folder, "go.sum"), "example.com/old v1.0.0 h1:AAAA=\n");
    const r = run();
    expect(r.out).toContain(`${folder}: building`);
    expect(r.out).not.toContain("stand-in (vk8s): cached");
    // The build copied the committed go.mod and go.sum (then failed here: no module proxy, by design).
    for (const f of ["go.mod", "go.sum"]) {
      expect(fs.readFileSync(path.join(root, "src", folder, f), "utf8")).toBe(fs.readFileSync(path.join(standin, f), "utf8"));
    }
    expect(fs.readdirSync(path.join(root, "src", folder)).filter((f) => f.endsWith("_test.go"))).toEqual([]);
    expect(r.status).toBe(1);
  });

  test("a build from another go.mod is rebuilt", () => {
    fs.appendFileSync(path.join(root, "src", folder, "go.mod"), "\n// changed\n");
    const r = run();
    expect(r.out).toContain(`${folder}: building`);
    expect(r.status).toBe(1);
  });
});

describe("tools/toolchain.sh: the YAML language host piece", () => {
  const script = fs.readFileSync(path.join(REPO, "tools/toolchain.sh"), "utf8");
  const yamlVersion = /^PULUMI_YAML_VERSION=(\S+)/m.exec(script)![1];
  const folder = `pulumi-language-yaml-v${yamlVersion}`;
  let root: string;
  beforeEach(() => { root = tmp("vk8s-toolchain-yaml-"); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  // GOPROXY=off and an empty module cache: nothing can be downloaded or built.
  const run = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, VK8S_TOOLCHAIN_DIR: root, GOPROXY: "off", GOMODCACHE: path.join(root, "gomodcache"), GOFLAGS: "", VK8S_PROGRESS_SECONDS: "1" };
    delete env.PULUMI_HOME;
    return bash(["tools/toolchain.sh", "pulumi-language-yaml"], { env });
  };

  test("a complete build is a cache hit, and env.sh puts it on PATH", () => {
    fs.mkdirSync(path.join(root, folder, "bin"), { recursive: true });
    fs.writeFileSync(path.join(root, folder, ".complete"), "fake\n");
    fs.writeFileSync(path.join(root, folder, "bin/pulumi-language-yaml"), "#!/bin/sh\necho fake-yaml-host\n", { mode: 0o755 });
    const r = run();
    expect(r.out).toContain(`pulumi-language-yaml v${yamlVersion}: cached`);
    expect(r.out).not.toContain("building");
    expect(r.status).toBe(0);
    const found = bash(["-c", `PATH=/usr/bin:/bin; . '${root}/env.sh' && command -v pulumi-language-yaml && echo "missing=$VK8S_TOOLCHAIN_MISSING"`]);
    expect(found.out).toContain(path.join(root, folder, "bin/pulumi-language-yaml"));
    expect(found.out).not.toMatch(/missing=.*pulumi-language-yaml/);
  });

  test("without a cached build or a module proxy it is reported unavailable with the proxy's answer", () => {
    const r = run();
    expect(r.out).toContain(`pulumi-language-yaml v${yamlVersion}: unavailable: github.com/pulumi/pulumi-yaml@v${yamlVersion}; the Go module proxy answered:`);
    expect(r.out).toMatch(/GOPROXY=off/);
    expect(r.out).toContain("unavailable from the Go module proxy: pulumi-language-yaml");
    expect(fs.existsSync(path.join(root, folder))).toBe(false);
    expect(fs.readFileSync(path.join(root, "env.sh"), "utf8")).toMatch(/^export VK8S_TOOLCHAIN_MISSING='[^']*\bpulumi-language-yaml\b/m);
  });
});

describe("tools/heartbeat.sh: the one progress loop of the long builds", () => {
  // Reports are counted, not timed: a 1 s period over a command that sleeps past 2 periods.
  const run = (script: string) => bash(["-c", `. tools/heartbeat.sh\n${script}`]);

  it("reports while the command runs and returns the command's status", () => {
    // The command waits until the reporter has reported twice: it passes only if reports come while
    // it runs (no timing assumed); each report carries the seconds so far, never decreasing.
    const dir = tmp("vk8s-heartbeat-");
    const log = path.join(dir, "reports");
    const ok = run(`rep() { echo "tick $1" >>${log}; }\ntwo() { until [ "$(grep -c tick ${log} 2>/dev/null)" -ge 2 ]; do sleep 0.1; done; }\nheartbeat_run 1 rep two; echo "rc=$?"`);
    expect(ok.out).toMatch(/^rc=0$/m);
    const seconds = fs.readFileSync(log, "utf8").trim().split("\n").map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    expect(seconds.every((n, i) => Number.isInteger(n) && n >= 1 && (i === 0 || n >= seconds[i - 1]))).toBe(true);
    const failed = run('rep() { :; }\nheartbeat_run 1 rep sh -c "exit 7"; echo "rc=$?"');
    expect(failed.out).toMatch(/^rc=7$/m);
  });

  it("leaves no sleep behind once the command ends (it would hold the caller's pipes open)", () => {
    // A period no other process uses, so that pgrep finds only this loop's sleep.
    const r = run('rep() { :; }\nheartbeat_run 9187 rep true\nsleep 0.2\nif pgrep -x -f "sleep 9187" >/dev/null; then echo LEFT; else echo GONE; fi');
    expect(r.out.trim()).toBe("GONE");
  });
});

describe("tools/heartbeat.sh: a command that ends the shell", () => {
  it("leaves no reporter running after its shell exited (it ends at its next wake-up, silently)", () => {
    // `fail` exits the calling shell from inside heartbeat_run, as images.sh's die does.
    const r = bash(["-c", `bash -c '. tools/heartbeat.sh; rep() { echo TICK; }; fail() { exit 3; }; heartbeat_run 1 rep fail' >/tmp/vk8s-hb-orphan.out 2>&1; echo "rc=$?"; sleep 2.5; cat /tmp/vk8s-hb-orphan.out; rm -f /tmp/vk8s-hb-orphan.out`]);
    expect(r.out).toMatch(/^rc=3$/m);
    expect(r.out).not.toMatch(/TICK/);
  });
});
