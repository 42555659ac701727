/**
 * GitOps rendering of the platform: the example users file renders for user A (Kubeflow
 * 1.3) and user B (Kubeflow 1.4); bytes are stable; a one-field change is a one-hunk
 * `diff -u`; secrets are referenced, never written; `vk8s render --platform` owns its
 * directory (stale files go, hidden ones stay, a repo root is refused).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../bin/cli";
import { parsePlatformFile } from "../src/platform/file";
import { renderPlatformFiles } from "../src/platform/files";
import { planPlatform, PLAN_PASSWORD_PLACEHOLDER } from "../src/platform/plan";

const EXAMPLE = path.join(__dirname, "..", "examples", "platform", "users.yaml");
const exampleText = fs.readFileSync(EXAMPLE, "utf8");

function renderText(text: string) {
  const parsed = parsePlatformFile(text, "users.yaml");
  return renderPlatformFiles(planPlatform(parsed.users, parsed.settings));
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-platform-"));
}

describe("the example platform file", () => {
  const files = renderText(exampleText);
  const content = (p: string) => files.find((f) => f.path === p)?.content ?? "";

  test("renders both users with their Kubeflow lines, sorted by path", () => {
    expect(files.map((f) => f.path)).toEqual([...files.map((f) => f.path)].sort());
    expect(content("user-a/bootstrap/08-kubeflow.env")).toContain("VK8S_MANIFESTS_REF='v1.3.1'");
    expect(content("user-b/bootstrap/08-kubeflow.env")).toContain("VK8S_MANIFESTS_REF='v1.4.1'");
    expect(content("user-a/bootstrap/08-kubeflow.env")).not.toContain("v1.4");
    expect(files.filter((f) => f.path.startsWith("user-b/host/statefulset-")).map((f) => f.path)).toEqual([
      "user-b/host/statefulset-user-b-gpu-1.yaml", "user-b/host/statefulset-user-b-master.yaml",
    ]);
    expect(content("user-b/bootstrap/07-nvidia-device-plugin.env")).not.toBe("");
    expect(content("user-a/bootstrap/07-nvidia-device-plugin.env")).toBe("");
  });

  test("each user's host files: its namespace, tenant objects and storage; the virtual cluster's storage", () => {
    const userA = files.filter((f) => f.path.startsWith("user-a/")).map((f) => f.path);
    expect(userA).toEqual(expect.arrayContaining([
      "user-a/host/namespace-vk8s-user-a.yaml",
      "user-a/host/resourcequota-user-a-quota.yaml",
      "user-a/host/limitrange-user-a-limits.yaml",
      "user-a/host/networkpolicy-user-a-default-deny.yaml",
      "user-a/host/persistentvolumeclaim-user-a-storage.yaml",
      "user-a/virtual/storageclass-vk8s-user-storage.yaml",
      "user-a/virtual/persistentvolume-vk8s-user-storage.yaml",
      "user-a/secrets.yaml",
    ]));
    expect(content("user-a/host/statefulset-user-a-master.yaml")).toContain("claimName: user-a-storage");
  });

  test("secrets are referenced, never written", () => {
    const all = files.map((f) => f.content).join("\n");
    expect(all).not.toContain(PLAN_PASSWORD_PLACEHOLDER);
    expect(all).not.toMatch(/\$2[aby]\$\d\d\$/); // no bcrypt hash
    expect(all).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    expect(content("user-b/secrets.yaml")).toContain("pulumi config set --secret --path 'kubeflowPasswords.user-b' <password>");
  });

  test("nodeports.yaml lists each user's block and ports", () => {
    const plan = planPlatform(parsePlatformFile(exampleText).users, parsePlatformFile(exampleText).settings);
    const b = plan.tenants[1].nodePorts;
    expect(content("_platform/nodeports.yaml")).toContain(`  - block: ${b.block}\n    name: user-b\n    ports:\n      apiserver: ${b.ports.apiserver}\n`);
  });
});

describe("byte-stable rendering", () => {
  test("rendering twice gives identical files", () => {
    expect(renderText(exampleText)).toEqual(renderText(exampleText));
  });

  test("vk8s render --platform twice gives identical trees (diff -r is empty) and the second run changes nothing", async () => {
    const [one, two] = [tmp(), tmp()];
    expect((await cli(["render", "--platform", EXAMPLE, "--out", one])).code).toBe(0);
    expect((await cli(["render", "--platform", EXAMPLE, "--out", two])).code).toBe(0);
    expect(spawnSync("diff", ["-r", one, two]).status).toBe(0);
    const again = await cli(["render", "--platform", EXAMPLE, "--out", one]);
    expect(again.stdout).toMatch(/^2 user\(s\), \d+ file\(s\) in .* \(0 changed, 0 removed\)\n$/);
  });

  test("a one-field change (user B's master memory request) is a one-hunk diff -u in one file", async () => {
    const dir = tmp();
    const changed = path.join(dir, "users.yaml");
    const edited = exampleText.replace('requests: { cpu: "4", memory: 16Gi }, limits: { cpu: "8", memory: 32Gi } }', 'requests: { cpu: "4", memory: 20Gi }, limits: { cpu: "8", memory: 32Gi } }');
    expect(edited).not.toBe(exampleText);
    fs.writeFileSync(changed, edited);
    const [before, after] = [path.join(dir, "before"), path.join(dir, "after")];
    await cli(["render", "--platform", EXAMPLE, "--out", before]);
    await cli(["render", "--platform", changed, "--out", after]);
    const diff = spawnSync("diff", ["-ru", "before", "after"], { cwd: dir, encoding: "utf8" });
    expect(diff.status).toBe(1);
    const lines = diff.stdout.split("\n");
    expect(lines.filter((l) => l.startsWith("@@"))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("+++")).map((l) => l.split(/\s/)[1])).toEqual(["after/user-b/host/statefulset-user-b-master.yaml"]);
    expect(lines.filter((l) => /^[-+] /.test(l))).toEqual(["-              memory: 16Gi", "+              memory: 20Gi"]);
  });
});

describe("vk8s render|validate --platform", () => {
  test("validate prints each user's cluster and NodePorts", async () => {
    const r = await cli(["validate", "--platform", EXAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^user-a: kubernetes 1\.20\.15 \(field-verified\), kubeflow v1\.3\.1, calico 3\.20\.6, 1 node\(s\), 0 GPU\(s\), nodePorts apiserver=\d+ kubeflow=\d+ ssh=\d+$/);
    expect(r.stdout.split("\n")[1]).toMatch(/^user-b: .* kubeflow v1\.4\.1, .* 2 node\(s\), 1 GPU\(s\), /);
  });

  test("a removed user's files go; hidden files stay", async () => {
    const dir = tmp();
    const out = path.join(dir, "out");
    await cli(["render", "--platform", EXAMPLE, "--out", out]);
    fs.writeFileSync(path.join(out, ".keep"), "");
    const onlyA = path.join(dir, "users.yaml");
    fs.writeFileSync(onlyA, exampleText.slice(0, exampleText.indexOf("---\napiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nmetadata: { name: user-b }")));
    const r = await cli(["render", "--platform", onlyA, "--out", out]);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([".keep", ".vk8s-rendered.json", "_platform", "user-a"]);
  });

  test("an invalid platform writes nothing and names the user; a repo root is refused", async () => {
    const dir = tmp();
    const bad = path.join(dir, "users.yaml");
    fs.writeFileSync(bad, exampleText.replace("quota: { cpu: \"16\", memory: 64Gi, gpus: 1, storage: 200Gi }", "quota: { cpu: \"16\", memory: 64Gi, gpus: 0, storage: 200Gi }"));
    const r = await cli(["render", "--platform", bad, "--out", path.join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${bad}: users["user-b"].quota.gpus: user user-b's vNodes take 1 GPU(s) in total (gpu-1 1), more than the quota 0 (raise quota.gpus to at least 1 or give the vNodes fewer GPUs)\nvk8s: nothing written: fix the problems above first\n`);
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    execFileSync("git", ["init", "-q", dir]);
    const root = await cli(["render", "--platform", EXAMPLE, "--out", dir]);
    expect(root.code).toBe(2);
    expect(root.stderr).toContain("holds .git");
  });
});
