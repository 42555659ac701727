import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, USAGE, type CliDeps } from "../bin/cli";
import { MANIFEST_NAME } from "../bin/outputTree";
import { renderMatrix } from "../src/matrix/resolve";

const SAMPLES = path.join(__dirname, "fixtures/samples");
const sample = (name: string) => path.join(SAMPLES, name);

async function run(argv: string[], deps?: CliDeps): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, deps);
  return { code, stdout, stderr };
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-cli-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under dir, relative, sorted, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name !== MANIFEST_NAME) out[path.relative(dir, full)] = fs.readFileSync(full, "utf8"); // the record is checked on its own
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

describe("vk8s validate", () => {
  test("the original samples: exit 0, one summary line per cluster", async () => {
    const r = await run(["validate", sample("sample-kf13.yaml"), sample("sample-kf14-gpu.yaml"), sample("two-tenants.yaml")]);
    expect(r).toEqual({
      code: 0,
      stderr: "",
      stdout:
        "sample3: kubernetes 1.20.15 (field-verified), kubeflow v1.3.1, calico 3.20.6, 1 node(s), 0 GPU(s)\n" +
        "sample4: kubernetes 1.20.15 (field-verified), kubeflow v1.4.1, calico 3.20.6, 1 node(s), 1 GPU(s)\n" +
        "tenant-a: kubernetes 1.20.15 (field-verified), kubeflow v1.3.1, calico 3.20.6, 1 node(s), 0 GPU(s)\n" +
        "tenant-b: kubernetes 1.20.15 (field-verified), kubeflow v1.4.1, calico 3.20.6, 2 node(s), 3 GPU(s)\n",
    });
  });

  test("an invalid spec: exit 1, every problem on stderr prefixed by file and cluster; valid clusters still summarised", async () => {
    const broken = sample("broken-spec.yaml");
    const r = await run(["validate", sample("sample-kf14-gpu.yaml"), broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("sample4: kubernetes 1.20.15 (field-verified), kubeflow v1.4.1, calico 3.20.6, 1 node(s), 1 GPU(s)\n");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(9);
    for (const l of lines) expect(l.startsWith(`${broken}: sample3: `)).toBe(true);
    expect(lines[3]).toBe(`${broken}: sample3: nodes[1].role: is a second master (nodes[0] is the master); high-availability control planes are not supported yet (set role: worker; a virtual cluster has exactly one master)`);
    expect(lines[6]).toBe(`${broken}: sample3: ports[0].port: 8080 is outside the NodePort range 30000-32767 (choose a port in 30000-32767)`);
    expect(r.stderr).not.toContain("12341234");
  });

  test("the same cluster name twice: exit 1", async () => {
    const file = sample("sample-kf13.yaml");
    const r = await run(["validate", file, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${file}: sample3: metadata.name: cluster "sample3" is also defined in ${file} line 2 (give every cluster a unique name)\n`);
  });

  test("--host-cidr: overlap with the host's networks is a problem", async () => {
    const file = sample("sample-kf13.yaml");
    const r = await run(["validate", file, "--host-cidr", "80.244.0.0/16", "--host-cidr=10.96.0.0/12"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${file}: sample3: kubernetes.podNetworkCidr: 80.244.0.0/16 overlaps the host cluster's 80.244.0.0/16 (options.hostCidrs[0]) (choose a block outside the host's networks)\n`);
  });

  test("YAML syntax error: exit 2 with line and column", async () => {
    const file = sample("broken-yaml.yaml");
    const r = await run(["validate", file]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `${file}:7:3: Flow sequence in block collection must be sufficiently indented and end with a ]\n` });
  });

  test("a document of another kind: exit 2", async () => {
    const file = sample("broken-kind.yaml");
    const r = await run(["validate", file]);
    expect(r).toEqual({ code: 2, stdout: "", stderr: `${file}:8:1: document 2 has kind "Deployment", not Vk8s (keep only kind: Vk8s documents in vk8s files)\n` });
  });

  test("unreadable and empty files: exit 2; the worst exit code wins", async () => {
    const missing = path.join(tmp, "missing.yaml");
    const empty = path.join(tmp, "empty.yaml");
    fs.writeFileSync(empty, "# nothing yet\n");
    const r = await run(["validate", missing, empty, sample("broken-spec.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").slice(0, 2)).toEqual([`${missing}: cannot read: ENOENT`, `${empty}: no kind: Vk8s document found`]);
    expect(r.stderr).toContain("sample3: kubeflow.password: is the upstream default password");
  });
});

describe("vk8s matrix, help and usage errors", () => {
  test("matrix prints the compatibility table", async () => {
    expect(await run(["matrix"])).toEqual({ code: 0, stdout: renderMatrix(), stderr: "" });
  });

  test.each([[["--help"]], [["help"]], [["validate", "--help"]], [["-h"]]])("%j prints usage, exit 0", async (argv) => {
    expect(await run(argv)).toEqual({ code: 0, stdout: USAGE, stderr: "" });
  });

  test.each<[string[], string]>([
    [[], "missing command"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["validate"], "validate needs at least one FILE"],
    [["render", "x.yaml"], "render needs --out DIR"],
    [["render", "x.yaml", "--out"], "--out needs a value"],
    [["validate", "x.yaml", "--strict"], "unknown option --strict"],
    [["matrix", "extra"], "matrix takes no files"],
    // node:util parseArgs: inline values, grouped short flags, `--` ending the options.
    [["render", "x.yaml", "--out="], "--out needs a value"],
    [["validate", "x.yaml", "--host-cidr"], "--host-cidr needs a value"],
    [["validate", "x.yaml", "-hx"], "unknown option -hx"],
    [["validate", "x.yaml", "--strict=yes"], "unknown option --strict=yes"],
    [["render", "x.yaml", "--", "--out", "dir"], "render needs --out DIR"],
    [["matrix", "--", "--help"], "matrix takes no files"],
  ])("%j: exit 2 with usage", async (argv, message) => {
    expect(await run(argv)).toEqual({ code: 2, stdout: "", stderr: `vk8s: ${message}\n\n${USAGE}` });
  });
});

describe("vk8s render", () => {
  const fake = (files: { path: string; content: string }[]): CliDeps => ({ renderClusterFiles: () => files });

  test("writes DIR/<cluster>/<path>, same bytes on every run, removes files the spec no longer produces", async () => {
    const out = path.join(tmp, "out");
    const file = sample("sample-kf13.yaml");
    fs.mkdirSync(path.join(out, "other-cluster"), { recursive: true });
    fs.writeFileSync(path.join(out, "other-cluster", "keep.yaml"), "untouched\n");

    const first = await run(["render", file, "--out", out], fake([{ path: "host/a.yaml", content: "a\n" }, { path: "host/old/b.yaml", content: "b\n" }]));
    expect(first).toEqual({ code: 0, stderr: "", stdout: `sample3: 2 file(s) in ${path.join(out, "sample3")} (2 changed, 0 removed)\n` });
    expect(tree(out)).toEqual({ "other-cluster/keep.yaml": "untouched\n", "sample3/host/a.yaml": "a\n", "sample3/host/old/b.yaml": "b\n" });

    const again = await run(["render", file, "--out", out], fake([{ path: "host/a.yaml", content: "a\n" }, { path: "host/old/b.yaml", content: "b\n" }]));
    expect(again.stdout).toBe(`sample3: 2 file(s) in ${path.join(out, "sample3")} (0 changed, 0 removed)\n`);

    const shrunk = await run(["render", file, "--out", out], fake([{ path: "host/a.yaml", content: "a2\n" }]));
    expect(shrunk.stdout).toBe(`sample3: 1 file(s) in ${path.join(out, "sample3")} (1 changed, 1 removed)\n`);
    expect(tree(out)).toEqual({ "other-cluster/keep.yaml": "untouched\n", "sample3/host/a.yaml": "a2\n" });
    expect(fs.existsSync(path.join(out, "sample3/host/old"))).toBe(false);
  });

  test("an invalid spec writes nothing: exit 1", async () => {
    const out = path.join(tmp, "out");
    const r = await run(["render", sample("sample-kf13.yaml"), sample("broken-spec.yaml"), "--out", out], fake([{ path: "host/a.yaml", content: "a\n" }]));
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith("vk8s: nothing written: fix the problems above first\n")).toBe(true);
    expect(tree(out)).toEqual({});
  });

  test.each<[string, CliDeps, string]>([
    ["a renderer failure", { renderClusterFiles: () => { throw new Error("boom"); } }, "cannot render: boom"],
    ["a path escaping the cluster directory", fake([{ path: "../evil.yaml", content: "x" }]), 'cannot render: renderer returned an unsafe path "../evil.yaml"'],
    ["an absolute path", fake([{ path: "/etc/evil.yaml", content: "x" }]), 'cannot render: renderer returned an unsafe path "/etc/evil.yaml"'],
  ])("%s writes nothing: exit 1", async (_, deps, message) => {
    const out = path.join(tmp, "out");
    const file = sample("sample-kf13.yaml");
    const r = await run(["render", file, "--out", out], deps);
    expect(r).toEqual({ code: 1, stdout: "", stderr: `${file}: sample3: ${message}\nvk8s: nothing written\n` });
    expect(tree(tmp)).toEqual({});
  });

  test("with the real renderer: host manifests of both samples, deterministic, no password", async () => {
    const out1 = path.join(tmp, "one");
    const out2 = path.join(tmp, "two");
    const files = [sample("sample-kf13.yaml"), sample("sample-kf14-gpu.yaml")];
    expect((await run(["render", ...files, "--out", out1])).code).toBe(0);
    expect((await run(["render", ...files, "--out", out2])).code).toBe(0);
    const written = tree(out1);
    expect(tree(out2)).toEqual(written);
    expect(Object.keys(written)).toEqual(expect.arrayContaining([
      "sample3/host/namespace-vk8s-sample3.yaml",
      "sample3/host/statefulset-sample3-sample-master3.yaml",
      "sample3/host/service-sample3-kubeflow.yaml",
      "sample4/host/statefulset-sample4-sample-master4.yaml",
    ]));
    expect(written["sample4/host/statefulset-sample4-sample-master4.yaml"]).toContain("nvidia.com/gpu");
    for (const content of Object.values(written)) {
      expect(content).not.toContain("sample-password-3");
      expect(content).not.toContain("sample-password-4");
    }
  });
});

test("bin/vk8s.ts is an executable script that delegates to main()", () => {
  const source = fs.readFileSync(path.join(__dirname, "../bin/vk8s.ts"), "utf8");
  expect(source.split("\n")[0]).toBe("#!/usr/bin/env node");
  expect(source).toContain("main(process.argv.slice(2)");
});
