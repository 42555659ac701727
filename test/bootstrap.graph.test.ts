/**
 * The step graph: order, what depends on what, and which inputs re-run which steps.
 */
import { hashDexPassword } from "../src/bootstrap/password";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import type { BootstrapOptionsInput, BootstrapStep } from "../src/bootstrap/types";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { resolveCluster } from "../src/cluster/validate";
import { formatProblem } from "../src/core/errors";
import { decideMatrix, notInstallableProblem } from "../src/matrix/resolve";
import {
  ALL_FIXTURES, CLUSTERS_BY_LINE, FIXTURE_PASSWORD, FIXTURE_SALT, GPU_WORKERS, SAMPLE_1_3, fixtureCluster, fixtureNode,
} from "./fixtures/bootstrapClusters";

const byId = (steps: BootstrapStep[]) => new Map(steps.map((s) => [s.id, s]));

/** Every step reachable through dependsOn. */
function ancestors(steps: BootstrapStep[], id: string): Set<string> {
  const index = byId(steps);
  const seen = new Set<string>();
  const visit = (x: string) => index.get(x)!.dependsOn.forEach((d) => { if (!seen.has(d)) { seen.add(d); visit(d); } });
  visit(id);
  return seen;
}

/** Ids of steps that differ (script, triggers, deps, stdin, delete) between two plans, and ids only in one. */
function diff(a: BootstrapStep[], b: BootstrapStep[]): { changed: string[]; added: string[]; removed: string[] } {
  const ia = byId(a);
  const ib = byId(b);
  return {
    changed: a.filter((s) => ib.has(s.id) && JSON.stringify(s) !== JSON.stringify(ib.get(s.id))).map((s) => s.id),
    added: b.filter((s) => !ia.has(s.id)).map((s) => s.id),
    removed: a.filter((s) => !ib.has(s.id)).map((s) => s.id),
  };
}

describe("order and dependencies", () => {
  test("the 1.3 sample: one master, no GPUs", () => {
    const plan = planBootstrap(SAMPLE_1_3);
    expect(plan.map((s) => [s.id, s.dependsOn])).toEqual([
      ["01-wait-master", []],
      ["02-kubeadm-init", ["01-wait-master"]],
      ["03-kubeconfig", ["02-kubeadm-init"]],
      ["04-calico", ["02-kubeadm-init"]],
      ["07-storage", ["04-calico"]],
      ["08-kubeflow", ["04-calico", "07-storage"]],
      ["09-dex-login", ["08-kubeflow"]],
      ["10-expose", ["08-kubeflow"]],
      ["11-status", ["08-kubeflow", "09-dex-login", "10-expose"]],
    ]);
    expect(plan.map((s) => s.phase)).toEqual([
      "Waiting: creating node",
      "Installing: configuring master node", "Installing: configuring master node", "Installing: configuring master node",
      "Installing: configuring master node",
      "Installing: installing kubeflow", "Installing: installing kubeflow", "Installing: installing kubeflow",
      "Running",
    ]);
  });

  test("two workers, one with 2 GPUs: joins in parallel, device plugin after the GPU worker only", () => {
    const plan = planBootstrap(GPU_WORKERS);
    expect(plan.map((s) => s.id)).toEqual([
      "01-wait-master", "02-kubeadm-init", "03-kubeconfig", "04-calico",
      "05-join-token-cpu-worker", "05-join-token-gpu-worker", "06-join-cpu-worker", "06-join-gpu-worker",
      "07-nvidia-device-plugin", "07-storage", "08-kubeflow", "09-dex-login", "10-expose", "11-status",
    ]);
    const index = byId(plan);
    expect(index.get("07-nvidia-device-plugin")!.dependsOn).toEqual(["04-calico", "06-join-gpu-worker"]);
    expect(index.get("11-status")!.dependsOn).toEqual(["08-kubeflow", "09-dex-login", "10-expose", "07-nvidia-device-plugin"]);
    for (const worker of ["cpu-worker", "gpu-worker"]) {
      const join = `06-join-${worker}`;
      const deps = ancestors(plan, join);
      expect([...deps].sort()).toEqual(["01-wait-master", "02-kubeadm-init", `05-join-token-${worker}`]);
      expect([...deps].every((d) => index.get(d)!.node === "gpu-team-master")).toBe(true);
      expect(index.get(join)!.node).toBe(worker);
    }
    expect(ancestors(plan, "08-kubeflow").has("06-join-cpu-worker")).toBe(false);
  });

  test.each(Object.entries(ALL_FIXTURES))("%s: the array is a topological order and ids are unique", (_, cluster) => {
    const plan = planBootstrap(cluster);
    const seen = new Set<string>();
    for (const step of plan) {
      step.dependsOn.forEach((d) => expect(seen.has(d)).toBe(true));
      expect(seen.has(step.id)).toBe(false);
      seen.add(step.id);
    }
    expect(plan.map((s) => s.id)).toEqual([...plan.map((s) => s.id)].sort());
  });

  test("the device plugin only with GPUs; a GPU master alone needs no join first", () => {
    for (const cluster of Object.values(CLUSTERS_BY_LINE)) {
      expect(planBootstrap(cluster).some((s) => s.id === STEP_IDS.devicePlugin)).toBe(false);
    }
    const gpuMaster = fixtureCluster({ name: "solo", kubeflowVersion: "v1.4.0", kubernetes: "1.20", masterGpus: 1, workers: [{ name: "w1" }] });
    expect(byId(planBootstrap(gpuMaster)).get(STEP_IDS.devicePlugin)!.dependsOn).toEqual(["04-calico"]);
  });

  test("secret flags: kubeconfig, join tokens, joins and the dex login", () => {
    const plan = planBootstrap(GPU_WORKERS);
    expect(plan.filter((s) => s.secretOutput).map((s) => s.id)).toEqual([
      "03-kubeconfig", "05-join-token-cpu-worker", "05-join-token-gpu-worker", "06-join-cpu-worker", "06-join-gpu-worker", "09-dex-login",
    ]);
  });

  test("without a kubeflow port there is no expose step", () => {
    const noPort: ResolvedCluster = { ...SAMPLE_1_3, ports: [], kubeflowPort: undefined };
    const plan = planBootstrap(noPort);
    expect(plan.some((s) => s.id === STEP_IDS.expose)).toBe(false);
    expect(byId(plan).get(STEP_IDS.status)!.dependsOn).toEqual(["08-kubeflow", "09-dex-login"]);
  });
});

describe("triggers: only what must re-run a step", () => {
  test("the plan is deterministic", () => {
    expect(planBootstrap(GPU_WORKERS)).toEqual(planBootstrap(GPU_WORKERS));
  });

  test("changing labels (cluster and node) changes nothing", () => {
    const labelled: ResolvedCluster = {
      ...GPU_WORKERS,
      labels: { update: "test", team: "a" },
      nodes: GPU_WORKERS.nodes.map((n) => ({ ...n, labels: { update: "test" } })),
      master: { ...GPU_WORKERS.master, labels: { update: "test" } },
    };
    expect(diff(planBootstrap(GPU_WORKERS), planBootstrap(labelled))).toEqual({ changed: [], added: [], removed: [] });
  });

  test("changing the Kubeflow version (1.3 -> 1.4, same Kubernetes) changes only the Kubeflow steps", () => {
    const kf14 = fixtureCluster({ name: "sample3", kubeflowVersion: "v1.4.0", kubernetes: "1.20" });
    expect(kf14.matrix.kubernetesVersion).toBe(SAMPLE_1_3.matrix.kubernetesVersion);
    expect(diff(planBootstrap(SAMPLE_1_3), planBootstrap(kf14))).toEqual({
      changed: ["08-kubeflow", "09-dex-login", "10-expose", "11-status"],
      added: [],
      removed: [],
    });
  });

  test("adding a worker adds only its token and join steps", () => {
    const withWorker: ResolvedCluster = {
      ...GPU_WORKERS,
      nodes: [...GPU_WORKERS.nodes, fixtureNode("gpu-team", "late-worker", "worker", 3)],
    };
    expect(diff(planBootstrap(GPU_WORKERS), planBootstrap(withWorker))).toEqual({
      changed: [],
      added: ["05-join-token-late-worker", "06-join-late-worker"],
      removed: [],
    });
  });

  test("a new password re-runs the dex login and the final check only", () => {
    const before = planBootstrap(SAMPLE_1_3, { dexPasswordHash: hashDexPassword("first-Password-1", FIXTURE_SALT) });
    const after = planBootstrap(SAMPLE_1_3, { dexPasswordHash: hashDexPassword("second-Password-2", FIXTURE_SALT) });
    expect(diff(before, after)).toEqual({ changed: ["09-dex-login", "11-status"], added: [], removed: [] });
  });

  test("re-applying Kubeflow re-runs the steps it undoes (dex login, expose)", () => {
    const retry: BootstrapOptionsInput = { apply: { attempts: 5 } };
    expect(diff(planBootstrap(SAMPLE_1_3), planBootstrap(SAMPLE_1_3, retry)).changed).toEqual([
      "08-kubeflow", "09-dex-login", "10-expose", "11-status",
    ]);
  });

  test.each(["1.4", "v1.4.0", "v1.4.1"])("respelling Kubeflow 1.4 as %p changes no step", (spelling) => {
    const as = (version: string) => resolveCluster("gpu-team", {
      kubeflow: { version, email: "test@example.com", password: FIXTURE_PASSWORD },
      nodes: [{ name: "gpu-team-master", role: "master" }, { name: "w1", role: "worker" }],
    });
    const base = planBootstrap(as("1.4"));
    const respelt = planBootstrap(as(spelling));
    expect(diff(base, respelt)).toEqual({ added: [], removed: [], changed: [] });
    expect(byId(respelt).get(STEP_IDS.kubeflow)!.triggers[0]).toBe("kubeflow=v1.4.1");
  });

  test("image archives and the kubeadm image repository re-run init and the joins (and what follows init), nothing else", () => {
    const options: BootstrapOptionsInput = { imageArchives: [{ kind: "local", path: "/opt/images/k8s.tar" }], kubeadmImageRepository: "registry.example.com/k8s" };
    expect(diff(planBootstrap(GPU_WORKERS), planBootstrap(GPU_WORKERS, options)).changed).toEqual([
      "01-wait-master", "02-kubeadm-init", "03-kubeconfig", "06-join-cpu-worker", "06-join-gpu-worker",
    ]);
  });

  test("the 1.3 sample's triggers", () => {
    const plan = byId(planBootstrap(SAMPLE_1_3));
    expect(plan.get(STEP_IDS.kubeadmInit)!.triggers).toEqual([
      "kubernetes=v1.20.15", "podNetworkCidr=80.244.0.0/16", "serviceCidr=80.96.0.0/12",
      "controlPlaneEndpoint=sample3-sample3-master-0.sample3-vnodes.vk8s-sample3.svc.cluster.local:6443", "node=sample3-master",
    ]);
    expect(plan.get(STEP_IDS.calico)!.triggers).toEqual([
      `calico=${SAMPLE_1_3.matrix.calico}`, "podNetworkCidr=80.244.0.0/16", "nodeInterface=eth0", "source=upstream",
    ]);
    const dex = plan.get(STEP_IDS.dexLogin)!.triggers;
    expect(dex.slice(0, 2)).toEqual(["kubeflow=v1.3.1", "email=test@example.com"]);
    expect(dex[2]).toMatch(/^after:08-kubeflow=[0-9a-f]{64}$/);
  });
});

describe("invalid input: every problem at once", () => {
  test("options", () => {
    const bad = {
      apply: { attempts: 0, backoffSeconds: 30, maxBackoffSeconds: 10, timeoutSeconds: 1.5 },
      waitTimeoutSeconds: -1,
      exposure: "https" as never,
      nodeInterface: "eth0; reboot",
      kubeflowSource: { kind: "local", path: "relative/dir" },
      calicoSource: { kind: "mirror", url: "ftp://mirror" },
      dexPasswordHash: "plain-password",
      kubeadmImageRepository: "https://registry.example.com/k8s",
      imageArchives: [{ kind: "local", path: "images/k8s.tar" }, { kind: "mirror", url: "file:///k8s.tar" }, { kind: "upstream" } as never],
    } satisfies BootstrapOptionsInput;
    expect(() => planBootstrap(SAMPLE_1_3, bad)).toThrow(
      [
        "options.apply.attempts: must be a whole number >= 1, got 0 (use at least 1)",
        "options.apply.timeoutSeconds: must be a whole number >= 1, got 1.5 (use at least 1 second)",
        "options.apply.maxBackoffSeconds: 10 is below backoffSeconds 30 (raise the cap or lower the backoff)",
        "options.waitTimeoutSeconds: must be a whole number >= 1, got -1 (use at least 1 second)",
        'options.exposure: "https" is not supported (use http-nodeport or tls)',
        'options.nodeInterface: "eth0; reboot" is not an interface name (use the vNode interface between vNodes, e.g. eth0)',
        'options.kubeflowSource.path: "relative/dir" is not an absolute path (give the directory on the master vNode, e.g. /opt/vk8s/bundle)',
        'options.calicoSource.url: "ftp://mirror" is not an http(s) URL (give the full URL of the mirrored file)',
        "options.kustomizeSource: downloads kustomize from upstream while the Kubeflow manifests come from a local source (set kustomizeSource to a mirror URL or a local path too)",
        'options.kubeadmImageRepository: "https://registry.example.com/k8s" is not an image repository (give host[:port]/path without a scheme or tag, e.g. registry.example.com/k8s)',
        'options.imageArchives[0].path: "images/k8s.tar" is not an absolute file path (give the archive\'s path on every vNode, e.g. /opt/vk8s/images/k8s-{version}.tar)',
        'options.imageArchives[1].url: "file:///k8s.tar" is not an http(s) URL (give the full URL of the mirrored file)',
        'options.imageArchives[2].kind: "upstream" is not an image archive source (use mirror or local)',
        "options.dexPasswordHash: is not a bcrypt hash (pass the result of hashDexPassword, never the password)",
      ].join("\n"),
    );
  });

  test("cluster values the scripts cannot take", () => {
    const kfctl = { ...SAMPLE_1_3.matrix.kubeflow, kubeflow: "0.7", installable: false };
    const bad: ResolvedCluster = {
      ...SAMPLE_1_3,
      matrix: { ...SAMPLE_1_3.matrix, kubeflow: kfctl },
      kubeflow: { ...SAMPLE_1_3.kubeflow, email: "a$(reboot)@example.com" },
      ports: [{ name: "kubeflow", port: 30000, targetPort: 8080 }],
      kubeflowPort: { name: "kubeflow", port: 30000, targetPort: 8080 },
    };
    // The same problem the validation raises for kubeflow.version 0.7.
    expect(decideMatrix("0.7")).toEqual({ ok: false, problem: notInstallableProblem("0.7") });
    expect(formatProblem(notInstallableProblem("0.7"))).toMatch(/^kubeflow\.version: Kubeflow 0\.7 is listed in the matrix but vk8s cannot install it: .* \(choose Kubeflow 1\.3, .*\)$/);
    expect(() => planBootstrap(bad)).toThrow(
      [
        // The validation's own rules and words (src/matrix/resolve.ts, src/cluster/rules/kubeflow.ts).
        formatProblem(notInstallableProblem("0.7")),
        'kubeflow.email: "a$(reboot)@example.com" is not an email address (write it like team-a@example.com)',
        "ports[0].targetPort: 8080 is outside the inner cluster's NodePort range 30000-32767 (istio-ingressgateway listens on it as a NodePort inside the master vNode; pick a targetPort in 30000-32767)",
      ].join("\n"),
    );
  });
});
