/**
 * `kubeflow.components` and `kubeflow.versionChange` in the spec, the component table per
 * line, and the size warning (CLI warning lines with exit 0).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../bin/cli";
import { componentsSize, expandComponents, FULL_EXAMPLE_README_TOTAL, inotifyNeeds, selectableComponents } from "../src/matrix/components";
import { formatProblem } from "../src/core/errors";
import { kubeflowSizeWarnings } from "../src/cluster/rules/kubeflowSize";
import { resolveCluster, validateCluster } from "../src/cluster/validate";

const spec = (kubeflow: Record<string, unknown>, limits: Record<string, string> = { cpu: "16", memory: "32Gi" }) => ({
  nodes: [{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "4Gi" }, limits } }],
  kubeflow: { version: "1.9", email: "ana@example.com", password: "a-long-password", ...kubeflow },
});
const problems = (input: unknown) => {
  const r = validateCluster("team-a", input);
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe("kubeflow.components: validated per line", () => {
  test("the full example of 1.10+ sums to the README's 4.4 CPU / 12.3 GiB", () => {
    expect(componentsSize("1.10", undefined)).toEqual(FULL_EXAMPLE_README_TOTAL);
    expect(componentsSize("26.03", undefined)).toEqual({ cpu: 4380, memoryMi: 12341 });
  });

  test("apps per line: spark from 1.10, pvc-viewer from 1.8", () => {
    expect(selectableComponents("1.3")).toEqual(["pipelines", "katib", "notebooks", "volumes", "tensorboards", "training-operator", "kserve"]);
    expect(selectableComponents("1.9")).toContain("pvc-viewer");
    expect(selectableComponents("1.9")).not.toContain("spark");
    expect(selectableComponents("1.10")).toContain("spark");
  });

  test("dependencies are added: platform always, knative with kserve, volumes with pvc-viewer", () => {
    expect(expandComponents("1.9", ["pipelines"])).toEqual(["auth-proxy", "central-dashboard", "cert-manager", "dex", "istio", "pipelines", "profiles", "user-namespace"]);
    expect(expandComponents("1.9", ["kserve", "pvc-viewer"])).toEqual(expect.arrayContaining(["knative", "kserve", "pvc-viewer", "volumes"]));
    expect(expandComponents("1.9", undefined)).toBeUndefined();
  });

  test("the resolved cluster carries the expanded set and the policy (default refuse)", () => {
    const cluster = resolveCluster("team-a", spec({ components: ["notebooks", "katib"], versionChange: "reinstall" }));
    expect(cluster.kubeflow.components).toEqual(["auth-proxy", "central-dashboard", "cert-manager", "dex", "istio", "katib", "notebooks", "profiles", "user-namespace"]);
    expect(cluster.kubeflow.versionChange).toBe("reinstall");
    const plain = resolveCluster("team-a", spec({}));
    expect(plain.kubeflow.components).toBeUndefined();
    expect(plain.kubeflow.versionChange).toBe("refuse");
  });

  test("every problem at once, with path, rule and fix", () => {
    expect(problems(spec({ components: ["pipelines", "spark", "istio", "jupyter", "pipelines"] }))).toEqual([
      'kubeflow.components[1]: "spark" is not shipped by Kubeflow 1.9 (it came in 1.10) (choose among pipelines, katib, notebooks, volumes, tensorboards, training-operator, pvc-viewer or kserve, or a newer Kubeflow line)',
      'kubeflow.components[2]: "istio" is a platform component, added automatically (remove it; choose among pipelines, katib, notebooks, volumes, tensorboards, training-operator, pvc-viewer or kserve)',
      'kubeflow.components[3]: "jupyter" is not a Kubeflow component vk8s knows (choose among pipelines, katib, notebooks, volumes, tensorboards, training-operator, pvc-viewer or kserve)',
      'kubeflow.components[4]: "pipelines" is named twice (name each component once)',
    ]);
    expect(problems(spec({ components: [] }))).toEqual([
      "kubeflow.components: is empty (name at least one of pipelines, katib, notebooks, volumes, tensorboards, training-operator, pvc-viewer or kserve, or leave it out for the full example)",
    ]);
    expect(problems(spec({ versionChange: "upgrade" }))).toEqual([
      'kubeflow.versionChange: the string "upgrade" is not one of refuse, reinstall (use one of refuse, reinstall)',
    ]);
  });

  test("inotify needs: 1.9 and later, from the README's prerequisite", () => {
    expect(inotifyNeeds("1.8")).toBeUndefined();
    expect(inotifyNeeds("1.9")).toEqual({ maxUserInstances: 2280, maxUserWatches: 1255360 });
    expect(inotifyNeeds("26.03")).toEqual({ maxUserInstances: 2280, maxUserWatches: 1255360 });
  });
});

describe("sizes checked before anything is created: a warning with what is missing", () => {
  test("the full 1.10 example on a 2 CPU / 8Gi vNode: both resources short, by how much", () => {
    const cluster = resolveCluster("team-a", { ...spec({ version: "1.10" }, { cpu: "2", memory: "8Gi" }) });
    expect(kubeflowSizeWarnings(cluster)).toEqual([
      "kubeflow.components: the full Kubeflow 1.10 example requests about 4.38 cpu, the vNodes' limits hold 2.00: 2.38 missing (raise nodes[].resources.limits.cpu, add a worker, or choose fewer kubeflow.components; figures: src/matrix/components.ts)",
      "kubeflow.components: the full Kubeflow 1.10 example requests about 12.1Gi memory, the vNodes' limits hold 8.0Gi: 4.1Gi missing (raise nodes[].resources.limits.memory, add a worker, or choose fewer kubeflow.components; figures: src/matrix/components.ts)",
    ]);
  });

  test("sizes follow the choice: Pipelines alone fits where the full example does not", () => {
    const limits = { cpu: "3", memory: "8Gi" };
    expect(kubeflowSizeWarnings(resolveCluster("team-a", spec({ version: "1.10" }, limits)))).toHaveLength(2);
    expect(kubeflowSizeWarnings(resolveCluster("team-a", spec({ version: "1.10", components: ["pipelines"] }, limits)))).toEqual([]);
  });

  test("workers add up; a vNode without limit or request says nothing", () => {
    const two = {
      ...spec({ version: "1.10" }, { cpu: "2", memory: "8Gi" }),
      nodes: [
        { name: "master", role: "master", resources: { limits: { cpu: "2", memory: "8Gi" } } },
        { name: "w1", role: "worker", resources: { limits: { cpu: "3", memory: "8Gi" } } },
      ],
    };
    expect(kubeflowSizeWarnings(resolveCluster("team-a", two))).toEqual([]);
    expect(kubeflowSizeWarnings(resolveCluster("team-a", { ...two, nodes: [{ name: "master", role: "master" }] }))).toEqual([]);
  });

  test("vk8s validate prints the warning lines and still exits 0", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-size-"));
    const file = path.join(dir, "small.yaml");
    fs.writeFileSync(file, [
      "apiVersion: vk8s.sktelecom.com/v1alpha1", "kind: Vk8s", "metadata: { name: small }", "spec:",
      "  nodes: [{ name: master, role: master, resources: { limits: { cpu: '2', memory: 32Gi } } }]",
      "  kubeflow: { version: '1.10', email: ana@example.com, password: a-long-password }", "",
    ].join("\n"));
    let stdout = "";
    let stderr = "";
    const code = await main(["validate", file], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout.split("\n")[1]).toBe(`${file}: small: warning: kubeflow.components: the full Kubeflow 1.10 example requests about 4.38 cpu, the vNodes' limits hold 2.00: 2.38 missing (raise nodes[].resources.limits.cpu, add a worker, or choose fewer kubeflow.components; figures: src/matrix/components.ts)`);
  });
});
