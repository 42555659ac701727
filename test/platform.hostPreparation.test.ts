/**
 * The opt-in host preparation: off by default; when on, a DaemonSet whose privileged init
 * container raises (never lowers) the host's inotify limits to Kubeflow 1.9+'s needs. Its
 * script is executed against a fake /proc/sys.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hostPreparationScript, renderHostPreparation } from "../src/platform/hostPreparation";
import { planPlatform } from "../src/platform/plan";
import { renderPlatformFiles } from "../src/platform/files";
import type { TenantInput } from "../src/platform/types";

const USER: TenantInput = {
  name: "team-a",
  cluster: { nodes: [{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "4Gi" } } }], kubeflow: { version: "1.9", email: "ana@example.com" } },
  quota: { cpu: "16", memory: "64Gi", storage: "100Gi" },
};

describe("host preparation (opt-in)", () => {
  test("off by default: no host object, no file", () => {
    const plan = planPlatform([USER]);
    expect(plan.hostObjects).toEqual([]);
    expect(renderPlatformFiles(plan).some((f) => f.path.includes("host-preparation"))).toBe(false);
    expect(renderHostPreparation({})).toEqual([]);
  });

  test("on: one privileged DaemonSet on every node, rendered with the platform files", () => {
    const plan = planPlatform([USER], { hostPreparation: { inotify: true, nodeSelector: { "vk8s.io/vnodes": "true" } } });
    expect(plan.hostObjects).toHaveLength(1);
    const ds = plan.hostObjects[0] as unknown as { kind: string; metadata: { name: string; namespace: string }; spec: { template: { spec: Record<string, any> } } };
    expect([ds.kind, ds.metadata.namespace, ds.metadata.name]).toEqual(["DaemonSet", "kube-system", "vk8s-host-preparation"]);
    const pod = ds.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "vk8s.io/vnodes": "true" });
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    expect(pod.initContainers[0].securityContext).toEqual({ privileged: true });
    expect(pod.initContainers[0].command).toEqual(["sh", "-c", hostPreparationScript()]);
    expect(pod.containers[0].securityContext).toBeUndefined();
    expect(renderPlatformFiles(plan).map((f) => f.path)).toContain("_platform/daemonset-vk8s-host-preparation.yaml");
  });

  test.each([
    [["128", "8192"], ["2280", "1255360"], "raised from the kernel defaults"],
    [["8192", "2000000"], ["8192", "2000000"], "higher values are kept"],
  ])("the script, executed: %j -> %j (%s)", (before, after) => {
    const proc = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-proc-"));
    fs.mkdirSync(path.join(proc, "fs/inotify"), { recursive: true });
    fs.writeFileSync(path.join(proc, "fs/inotify/max_user_instances"), `${before[0]}\n`);
    fs.writeFileSync(path.join(proc, "fs/inotify/max_user_watches"), `${before[1]}\n`);
    const run = spawnSync("sh", ["-c", hostPreparationScript()], { env: { PATH: "/usr/bin:/bin", PROC_SYS: proc }, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(proc, "fs/inotify/max_user_instances"), "utf8").trim()).toBe(after[0]);
    expect(fs.readFileSync(path.join(proc, "fs/inotify/max_user_watches"), "utf8").trim()).toBe(after[1]);
    expect(run.stdout).toContain(`fs/inotify/max_user_instances: was ${before[0]}, now ${after[0]} (needed 2280)`);
    fs.rmSync(proc, { recursive: true, force: true });
  });
});
