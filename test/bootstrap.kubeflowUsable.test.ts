/**
 * A Kubeflow the user can use, executed: the real step programs run with `sh` against the
 * fake kubectl's cluster (test/fixtures/fakeCluster.ts) and real-shaped manifests trees
 * (test/fixtures/manifestsTree.ts): the user's Profile, the default StorageClass before
 * Kubeflow, the inotify refusal, the Pending report, a Pipelines-only build of 1.9- and
 * 1.10-era trees, and a change of Kubeflow line refused or reinstalled.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import { profileName } from "../src/bootstrap/steps/kubeflow";
import type { BootstrapOptionsInput } from "../src/bootstrap/types";
import { expandComponents } from "../src/matrix/components";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { CLUSTERS_BY_LINE, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";
import { Sandbox } from "./fixtures/bootstrapSandbox";
import { clusterObjects, seedCluster } from "./fixtures/fakeCluster";
import { TREE_FOLDERS, writeManifestsTree, type TreeEra } from "./fixtures/manifestsTree";

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(() => box.remove());

const LOCAL_PATH_CLASS = {
  apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
  metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
  provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Delete",
};

function withComponents(cluster: ResolvedCluster, chosen: string[] | undefined, versionChange?: "refuse" | "reinstall"): ResolvedCluster {
  return { ...cluster, kubeflow: { ...cluster.kubeflow, components: expandComponents(cluster.matrix.kubeflow.kubeflow, chosen), ...(versionChange ? { versionChange } : {}) } };
}

function step(cluster: ResolvedCluster, id: string, options: BootstrapOptionsInput = {}): string {
  const found = planBootstrap(cluster, options).find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found.script;
}

/** Runs the Kubeflow step over a tree of `era`, with enough inotify, a fake cluster holding `objects`. */
function runKubeflow(cluster: ResolvedCluster, era: TreeEra, opts: { objects?: object[]; env?: Record<string, string>; options?: BootstrapOptionsInput; inotify?: [string, string] } = {}) {
  if (!fs.existsSync(path.join(box.dir, "manifests"))) writeManifestsTree(path.join(box.dir, "manifests"), era);
  if (!fs.existsSync(path.join(box.fakeDir, "cluster.json"))) seedCluster(box.fakeDir, opts.objects ?? [LOCAL_PATH_CLASS]);
  const [instances, watches] = opts.inotify ?? ["8192", "2000000"];
  box.write("proc/fs/inotify/max_user_instances", `${instances}\n`);
  box.write("proc/fs/inotify/max_user_watches", `${watches}\n`);
  const script = step(cluster, STEP_IDS.kubeflow, {
    kubeflowSource: { kind: "local", path: `${box.dir}/manifests` },
    kustomizeSource: { kind: "local", path: box.kustomizePath },
    apply: { attempts: 1 },
    ...opts.options,
  });
  return box.run(script, {
    FAKE_KUSTOMIZE_VERSION: cluster.matrix.kubeflow.kustomize.replace(/\+$/, ""), FAKE_KUSTOMIZE_TREE: "1", FAKE_PROFILE_CONTROLLER: "1",
    VK8S_PROC_SYS: `${box.dir}/proc`, ...opts.env,
  });
}

/** The cluster without a kubeflow port: the status step then checks no NodePort (a jsonpath query the fake cluster does not answer). */
const noPort = (cluster: ResolvedCluster): ResolvedCluster => ({ ...cluster, ports: [], kubeflowPort: undefined });

const built = (cluster: ResolvedCluster) => YAML.parse(fs.readFileSync(`${box.workDir}/kubeflow/build-${cluster.matrix.kubeflow.manifestsRef}/kustomization.yaml`, "utf8")).resources as string[];
const profiles = () => clusterObjects(box.fakeDir).filter((o) => o.kind === "Profile") as unknown as { metadata: { name: string }; spec: { owner: { kind: string; name: string } } }[];
const named = (kind: string) => clusterObjects(box.fakeDir).filter((o) => o.kind === kind).map((o) => `${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`).sort();

describe("the login user's Profile, from the manifests' own user-namespace parameters", () => {
  test("profileName follows the example's naming (user@example.com -> kubeflow-user-example-com) and stays a namespace name", () => {
    expect(profileName("user@example.com")).toBe("kubeflow-user-example-com");
    expect(profileName("Ana.Lopez+ml@Team-A.example.org")).toBe("kubeflow-ana-lopez-ml-team-a-example-org");
    const long = profileName(`${"a".repeat(70)}@example.com`);
    expect(long).toMatch(/^kubeflow-a+-[0-9a-f]{8}$/);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(profileName(`${"a".repeat(70)}@example.org`)).not.toBe(long);
  });

  test.each([
    ["1.3", "1.3", "configmap era, vars"],
    ["1.9", "1.9", "secret era, vars"],
    ["1.10", "1.10", "secret era, replacements"],
  ] as const)("Kubeflow %s (%s tree, %s): the only Profile is the login user's, with its namespace; status reports Running", (line, era) => {
    const cluster = CLUSTERS_BY_LINE[line];
    const run = runKubeflow(cluster, era);
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    expect(profiles()).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: "kubeflow-test-example-com" }), spec: { owner: { kind: "User", name: "test@example.com" } } })]);
    expect(named("Namespace")).toContain("kubeflow-test-example-com");
    // The user-namespace folder was replaced by the vk8s copy, and only its params.env differs.
    expect(built(cluster)).toContain("user-namespace");
    expect(built(cluster)).not.toContain("manifests/common/user-namespace/base");
    const copy = `${box.workDir}/kubeflow/build-${cluster.matrix.kubeflow.manifestsRef}/user-namespace`;
    expect(fs.readFileSync(`${copy}/params.env`, "utf8")).toBe("user=test@example.com\nprofile-name=kubeflow-test-example-com\n");
    expect(fs.readFileSync(`${copy}/kustomization.yaml`, "utf8")).toBe(fs.readFileSync(`${box.dir}/manifests/common/user-namespace/base/kustomization.yaml`, "utf8"));
    // The tree itself is untouched.
    expect(fs.readFileSync(`${box.dir}/manifests/common/user-namespace/base/params.env`, "utf8")).toContain("user=user@example.com");

    const status = box.run(step(noPort(cluster), STEP_IDS.status), { FAKE_PROFILE_CONTROLLER: "1" });
    expect(status.stderr).not.toContain("ERROR");
    expect(status.stdout).toMatch(/^VK8S_PHASE Running /m);
  });

  test("status is not Running while the user's Profile namespace does not exist, and says why", () => {
    seedCluster(box.fakeDir, [LOCAL_PATH_CLASS, { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name: "kubeflow-test-example-com" }, spec: { owner: { kind: "User", name: "test@example.com" } } }]);
    const run = box.run(step(noPort(SAMPLE_1_3), STEP_IDS.status, { waitTimeoutSeconds: 1 }));
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain("VK8S_PHASE Running");
    expect(run.stdout).toContain("VK8S_STATUS not-running: Profile kubeflow-test-example-com is owned by 'test@example.com', not test@example.com, or its namespace does not exist after 1s: the user would see no namespace");
  });

  test("status is not Running when the Profile belongs to someone else", () => {
    seedCluster(box.fakeDir, [
      { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name: "kubeflow-test-example-com" }, spec: { owner: { kind: "User", name: "user@example.com" } } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "kubeflow-test-example-com" } },
    ]);
    const run = box.run(step(noPort(SAMPLE_1_3), STEP_IDS.status, { waitTimeoutSeconds: 1 }));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("is owned by 'user@example.com', not test@example.com");
  });

  test("the example user's Profile left by an earlier install is removed; another owner's Profile of that name is kept", () => {
    const example = { apiVersion: "kubeflow.org/v1", kind: "Profile", metadata: { name: "kubeflow-user-example-com" }, spec: { owner: { kind: "User", name: "user@example.com" } } };
    const run = runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9", { objects: [LOCAL_PATH_CLASS, example] });
    expect(run.status).toBe(0);
    expect(profiles().map((p) => p.metadata.name)).toEqual(["kubeflow-test-example-com"]);
    expect(box.lines("deleted.log")).toEqual(["Profile/kubeflow-user-example-com"]);

    box.remove();
    box = new Sandbox();
    const someoneElse = { ...example, spec: { owner: { kind: "User", name: "other@example.com" } } };
    expect(runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9", { objects: [LOCAL_PATH_CLASS, someoneElse] }).status).toBe(0);
    expect(profiles().map((p) => p.metadata.name).sort()).toEqual(["kubeflow-test-example-com", "kubeflow-user-example-com"]);
  });

  test("a tree whose example names no user namespace is refused before anything is applied", () => {
    writeManifestsTree(path.join(box.dir, "manifests"), "1.9");
    const example = `${box.dir}/manifests/example/kustomization.yaml`;
    fs.writeFileSync(example, fs.readFileSync(example, "utf8").replace("- ../common/user-namespace/base\n", ""));
    const run = runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("example/kustomization.yaml names no common/user-namespace folder (expected the example of v1.9.1)");
    expect(box.read("apply-count")).toBe("");
  });
});

describe("a choice of components: the example's own folders, selected before the build", () => {
  const PIPELINES_1_9 = [
    "common/cert-manager/cert-manager/base", "common/cert-manager/kubeflow-issuer/base",
    "common/istio-1-22/istio-crds/base", "common/istio-1-22/istio-namespace/base", "common/istio-1-22/istio-install/overlays/oauth2-proxy",
    "common/oidc-client/oauth2-proxy/overlays/m2m-self-signed", "common/dex/overlays/oauth2-proxy",
    "common/kubeflow-namespace/base", "common/networkpolicies/base", "common/kubeflow-roles/base", "common/istio-1-22/kubeflow-istio-resources/base",
    "apps/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user", "apps/centraldashboard/upstream/overlays/oauth2-proxy",
    "apps/profiles/upstream/overlays/kubeflow",
  ].map((f) => `manifests/${f}`);
  const PIPELINES_1_10 = [
    "common/cert-manager/base", "common/cert-manager/kubeflow-issuer/base",
    "common/istio/istio-crds/base", "common/istio/istio-namespace/base", "common/istio/istio-install/overlays/oauth2-proxy",
    "common/oauth2-proxy/overlays/m2m-dex-only", "common/dex/overlays/oauth2-proxy",
    "common/kubeflow-namespace/base", "common/networkpolicies/base", "common/kubeflow-roles/base", "common/istio/kubeflow-istio-resources/base",
    "applications/pipeline/upstream/env/cert-manager/platform-agnostic-multi-user", "applications/centraldashboard/overlays/oauth2-proxy",
    "applications/profiles/upstream/overlays/kubeflow",
  ].map((f) => `manifests/${f}`);

  test.each([
    ["1.9", PIPELINES_1_9],
    ["1.10", PIPELINES_1_10],
  ] as const)("Pipelines only on a %s-era tree: the platform folders, pipelines, the dashboard, profiles and the user's namespace, in the example's order", (line, expected) => {
    const cluster = withComponents(CLUSTERS_BY_LINE[line], ["pipelines"]);
    const run = runKubeflow(cluster, line);
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    const resources = built(cluster);
    expect(resources.filter((r) => r !== "user-namespace")).toEqual(expected);
    expect(resources.indexOf("user-namespace")).toBeGreaterThan(resources.indexOf(expected[expected.length - 1]));
    expect(named("PersistentVolumeClaim")).toEqual(["kubeflow/minio-pvc", "kubeflow/mysql-pv-claim"]);
    expect(named("Deployment").some((d) => /katib|jupyter|kserve|knative/.test(d))).toBe(false);
    expect(run.stderr).toContain(`leaving out ${line === "1.9" ? "apps" : "applications"}/katib/upstream/installs/katib-with-kubeflow (component katib not chosen)`);
    expect(run.stdout).toContain("components: auth-proxy central-dashboard cert-manager dex istio pipelines profiles user-namespace");
  });

  test("KServe brings knative (and istio's cluster-local-gateway) with it; notebooks bring the PodDefaults webhook", () => {
    const cluster = withComponents(CLUSTERS_BY_LINE["1.9"], ["kserve", "notebooks"]);
    expect(runKubeflow(cluster, "1.9").status).toBe(0);
    const resources = built(cluster);
    for (const f of ["common/knative/knative-serving/overlays/gateways", "common/istio-1-22/cluster-local-gateway/base", "contrib/kserve/kserve",
      "apps/admission-webhook/upstream/overlays/cert-manager", "apps/jupyter/notebook-controller/upstream/overlays/kubeflow"]) {
      expect(resources).toContain(`manifests/${f}`);
    }
    expect(resources.some((r) => r.includes("pipeline"))).toBe(false);
  });

  test("the full example keeps every folder of the tree and only swaps the user namespace", () => {
    const cluster = CLUSTERS_BY_LINE["1.3"];
    expect(runKubeflow(cluster, "1.3").status).toBe(0);
    expect(built(cluster)).toEqual(TREE_FOLDERS["1.3"].map((f) => (f === "common/user-namespace/base" ? "user-namespace" : `manifests/${f}`)));
  });

  test("a chosen component the tree does not have fails the step, naming it", () => {
    const cluster = withComponents(CLUSTERS_BY_LINE["1.10"], ["spark"]);
    writeManifestsTree(path.join(box.dir, "manifests"), "1.10");
    const example = `${box.dir}/manifests/example/kustomization.yaml`;
    fs.writeFileSync(example, fs.readFileSync(example, "utf8").replace("- ../applications/spark/spark-operator/overlays/kubeflow\n", ""));
    const run = runKubeflow(cluster, "1.10");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("no folder of v1.10.2 example/kustomization.yaml matches component(s) spark");
  });

  const kubectlPath = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim();
  const realKustomize = kubectlPath && spawnSync(kubectlPath, ["kustomize", "--help"], { encoding: "utf8" }).status === 0;
  if (!realKustomize) {
    test.skip("the built kustomization with the real `kubectl kustomize` (no kubectl on PATH here)", () => undefined);
  } else {
    test.each(["1.9", "1.10"] as const)("the real `kubectl kustomize` builds the %s-era vk8s kustomization (symlinked tree, copied user namespace) into the user's Profile", (era) => {
      const cluster = withComponents(CLUSTERS_BY_LINE[era], ["pipelines"]);
      expect(runKubeflow(cluster, era).status).toBe(0);
      const out = spawnSync(kubectlPath, ["kustomize", `${box.workDir}/kubeflow/build-${cluster.matrix.kubeflow.manifestsRef}`], { encoding: "utf8" });
      expect(out.status).toBe(0);
      expect(out.stderr).not.toMatch(/error/i);
      const objects = YAML.parseAllDocuments(out.stdout).map((d) => d.toJS());
      const profile = objects.filter((o) => o.kind === "Profile");
      expect(profile).toEqual([expect.objectContaining({ metadata: { name: "kubeflow-test-example-com" }, spec: { owner: { kind: "User", name: "test@example.com" } } })]);
      expect(objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name).sort()).toEqual(["minio-pvc", "mysql-pv-claim"]);
    });
  }
});

describe("storage that binds: the default StorageClass before Kubeflow", () => {
  /** An excerpt of local-path-storage.yaml in the release's shape (v0.0.2x-0.0.3x). */
  const LOCAL_PATH_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: local-path-storage
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local-path-provisioner
  namespace: local-path-storage
spec:
  replicas: 1
  selector:
    matchLabels:
      app: local-path-provisioner
  template:
    metadata:
      labels:
        app: local-path-provisioner
    spec:
      serviceAccountName: local-path-provisioner-service-account
      containers:
        - name: local-path-provisioner
          image: rancher/local-path-provisioner:v0.0.31
          imagePullPolicy: IfNotPresent
          command: [local-path-provisioner, --debug, start, --config, /etc/config/config.json]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: local-path-config
  namespace: local-path-storage
data:
  config.json: |-
    {
            "nodePathMap":[
            {
                    "node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",
                    "paths":["/opt/local-path-provisioner"]
            }
            ]
    }
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "$VOL_DIR"
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata:
      name: helper-pod
    spec:
      priorityClassName: system-node-critical
      containers:
      - name: helper-pod
        image: busybox
        imagePullPolicy: IfNotPresent
`;
  const storageOptions: BootstrapOptionsInput = {
    localPathSource: { kind: "local", path: "" },
    localPathProvisionerImage: "registry.example.com/rancher/local-path-provisioner:v0.0.31",
    localPathHelperImage: "registry.example.com/library/busybox:1.36",
  };
  const storageScript = (cluster: ResolvedCluster = SAMPLE_1_3) =>
    step(cluster, STEP_IDS.storage, { ...storageOptions, localPathSource: { kind: "local", path: `${box.dir}/local-path` } });

  test("the plan installs 07-storage after calico and before 08-kubeflow, unless defaultStorageClass is none", () => {
    const plan = planBootstrap(SAMPLE_1_3);
    const ids = plan.map((s) => s.id);
    expect(ids.indexOf("07-storage")).toBeLessThan(ids.indexOf("08-kubeflow"));
    expect(plan.find((s) => s.id === "07-storage")!.dependsOn).toEqual(["04-calico"]);
    expect(plan.find((s) => s.id === "08-kubeflow")!.dependsOn).toEqual(["04-calico", "07-storage"]);
    const none = planBootstrap(SAMPLE_1_3, { defaultStorageClass: "none" });
    expect(none.some((s) => s.id === "07-storage")).toBe(false);
    expect(none.find((s) => s.id === "08-kubeflow")!.dependsOn).toEqual(["04-calico"]);
  });

  test.each(["1.3", "1.10"])("Kubeflow %s: the patched manifest makes local-path the only default class, with the configured images and directory", (line) => {
    box.write("local-path/local-path-storage.yaml", LOCAL_PATH_YAML);
    seedCluster(box.fakeDir, []);
    const run = box.run(storageScript(CLUSTERS_BY_LINE[line]));
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    const objects = clusterObjects(box.fakeDir);
    const sc = objects.find((o) => o.kind === "StorageClass")!;
    expect(sc.metadata.annotations).toEqual({ "storageclass.kubernetes.io/is-default-class": "true" });
    const deployment = objects.find((o) => o.kind === "Deployment") as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0].image).toBe("registry.example.com/rancher/local-path-provisioner:v0.0.31");
    const config = objects.find((o) => o.kind === "ConfigMap") as unknown as { data: Record<string, string> };
    expect(JSON.parse(config.data["config.json"])).toEqual({ nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/opt/local-path-provisioner"] }] });
    expect(YAML.parse(config.data["helperPod.yaml"]).spec.containers[0].image).toBe("registry.example.com/library/busybox:1.36");
    expect(config.data.setup).toContain('mkdir -m 0777 -p "$VOL_DIR"');
    expect(run.stderr).toContain("StorageClass local-path is the default");
  });

  test("then the Kubeflow step finds the default class; without it, the Kubeflow step refuses before downloading anything", () => {
    box.write("local-path/local-path-storage.yaml", LOCAL_PATH_YAML);
    seedCluster(box.fakeDir, []);
    expect(box.run(storageScript(CLUSTERS_BY_LINE["1.9"])).status).toBe(0);
    expect(runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9").status).toBe(0);

    box.remove();
    box = new Sandbox();
    const run = runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9", { objects: [] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("the default StorageClass is '', not local-path: Kubeflow's claims would stay Pending (re-run step 07-storage)");
    expect(box.lines("kustomize.log")).toEqual([]);
  });

  test("a second default class is refused, naming both", () => {
    box.write("local-path/local-path-storage.yaml", LOCAL_PATH_YAML);
    seedCluster(box.fakeDir, [{ ...LOCAL_PATH_CLASS, metadata: { ...LOCAL_PATH_CLASS.metadata, name: "standard" }, provisioner: "example.com/other" }]);
    const run = box.run(storageScript());
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("more than one default StorageClass: local-path standard (remove the storageclass.kubernetes.io/is-default-class annotation");
  });

  test("a manifest without the ConfigMap's helperPod.yaml is not applied", () => {
    box.write("local-path/local-path-storage.yaml", LOCAL_PATH_YAML.replace(/  helperPod\.yaml: \|-[\s\S]*$/, ""));
    seedCluster(box.fakeDir, []);
    const run = box.run(storageScript());
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("local-path-storage.yaml: the patches do not apply");
    expect(box.read("apply-count")).toBe("");
  });

  test("when the Kubeflow wait times out, the error names the Pending claims and pods", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "mysql-7d8b8c9f5-x2x4q", namespace: "kubeflow" }, spec: { containers: [{ name: "mysql", image: "mysql:8.0" }] }, status: { phase: "Pending" } };
    const running = { ...pod, metadata: { name: "cache-server-5b9c", namespace: "kubeflow" }, status: { phase: "Running" } };
    const cluster = withComponents(CLUSTERS_BY_LINE["1.9"], ["pipelines"]);
    const run = runKubeflow(cluster, "1.9", { objects: [LOCAL_PATH_CLASS, pod, running], env: { FAKE_WAIT_FAIL: "1" } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "the deployments in cert-manager are not Available after 600s. Pending claims: kubeflow/mysql-pv-claim (class <none>), kubeflow/minio-pvc (class <none>); Pending pods: kubeflow/mysql-7d8b8c9f5-x2x4q",
    );
    expect(run.stderr).not.toContain("cache-server");
  });
});

describe("host limits: inotify", () => {
  test("Kubeflow 1.9 on a host with the kernel defaults is refused before anything is downloaded, with found, needed and the sysctl", () => {
    const run = runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9", { inotify: ["128", "8192"] });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "the host node's inotify limits are fs.inotify.max_user_instances=128 and fs.inotify.max_user_watches=8192; Kubeflow 1.9 needs at least 2280 and 1255360 (its pods fail with \"too many open files\" otherwise): on the host node run `sysctl -w fs.inotify.max_user_instances=2280 fs.inotify.max_user_watches=1255360`",
    );
    expect(box.lines("kustomize.log")).toEqual([]);
    expect(box.read("apply-count")).toBe("");
  });

  test("one limit short is enough to refuse; an unreadable limit is refused as unknown", () => {
    expect(runKubeflow(CLUSTERS_BY_LINE["1.10"], "1.10", { inotify: ["2280", "1255359"] }).stderr).toContain("fs.inotify.max_user_watches=1255359;");
    fs.rmSync(`${box.dir}/proc/fs/inotify/max_user_instances`);
    const run = box.run(step(CLUSTERS_BY_LINE["1.10"], STEP_IDS.kubeflow, { kubeflowSource: { kind: "local", path: `${box.dir}/manifests` }, kustomizeSource: { kind: "local", path: box.kustomizePath } }), { VK8S_PROC_SYS: `${box.dir}/proc` });
    expect(run.stderr).toContain("fs.inotify.max_user_instances=unknown");
  });

  test("Kubeflow 1.3 (its README names no inotify need) installs on the kernel defaults", () => {
    expect(runKubeflow(CLUSTERS_BY_LINE["1.3"], "1.3", { inotify: ["128", "8192"] }).status).toBe(0);
  });
});

describe("safe version changes: another Kubeflow line is refused or reinstalled, a patch is applied in place", () => {
  const record = (line: string, ref: string, manifest: string) => ({
    apiVersion: "v1", kind: "ConfigMap", metadata: { name: "vk8s-kubeflow", namespace: "kube-system" },
    data: { line, ref, manifest, components: "all" },
  });
  const OLD_OBJECTS = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ml-pipeline", namespace: "kubeflow" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "kubeflow" } },
  ];
  function installed(line: string, ref: string): object[] {
    const manifest = `${box.workDir}/kubeflow/kubeflow-${ref}.yaml`;
    fs.mkdirSync(path.dirname(manifest), { recursive: true });
    fs.writeFileSync(manifest, OLD_OBJECTS.map((o) => YAML.stringify(o)).join("---\n"));
    return [LOCAL_PATH_CLASS, ...OLD_OBJECTS, record(line, ref, manifest)];
  }

  test("the record of what is installed is written after the install", () => {
    expect(runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9").status).toBe(0);
    const cm = clusterObjects(box.fakeDir).find((o) => o.kind === "ConfigMap" && o.metadata.name === "vk8s-kubeflow") as unknown as { data: Record<string, string> };
    expect(cm.data).toEqual({ line: "1.9", ref: "v1.9.1", manifest: `${box.workDir}/kubeflow/kubeflow-v1.9.1.yaml`, components: "all" });
  });

  test("refuse (the default): 1.9 installed, 1.10 asked: nothing downloaded, deleted or applied, and the message says what to do", () => {
    const run = runKubeflow(CLUSTERS_BY_LINE["1.10"], "1.10", { objects: installed("1.9", "v1.9.1") });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "Kubeflow v1.9.1 (line 1.9) is installed and this update asks for v1.10.2 (line 1.10); upstream does not upgrade across lines in place, so nothing was changed (set kubeflow.versionChange: reinstall",
    );
    expect(box.read("apply-count")).toBe("");
    expect(box.read("deleted.log")).toBe("");
    expect(box.lines("kustomize.log")).toEqual([]);
  });

  test("reinstall: the old release's objects are deleted with its own manifest, then the new line is installed and recorded", () => {
    const cluster = withComponents(CLUSTERS_BY_LINE["1.10"], undefined, "reinstall");
    const run = runKubeflow(cluster, "1.10", { objects: installed("1.9", "v1.9.1") });
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    expect(box.lines("deleted.log")).toEqual(["Deployment/ml-pipeline", "Namespace/kubeflow", "ConfigMap/vk8s-kubeflow"]);
    const log = box.lines("kubectl.log");
    const deleteAt = log.findIndex((l) => l.startsWith(`kubectl delete -f ${box.workDir}/kubeflow/kubeflow-v1.9.1.yaml`));
    const applyAt = log.findIndex((l) => l.includes("apply --server-side --force-conflicts -f"));
    expect(deleteAt).toBeGreaterThanOrEqual(0);
    expect(applyAt).toBeGreaterThan(deleteAt);
    const cm = clusterObjects(box.fakeDir).find((o) => o.metadata.name === "vk8s-kubeflow") as unknown as { data: Record<string, string> };
    expect(cm.data.ref).toBe("v1.10.2");
  });

  test("a new patch of the installed line is applied in place: nothing deleted", () => {
    const run = runKubeflow(CLUSTERS_BY_LINE["1.9"], "1.9", { objects: installed("1.9", "v1.9.0") });
    expect(run.status).toBe(0);
    expect(box.read("deleted.log")).toBe("");
    expect(run.stderr).toContain("Kubeflow v1.9.0 is installed: v1.9.1 is the same line 1.9, applied in place");
  });

  test("an install from before the record (only its built manifest on the node) is recognised and refused", () => {
    const objects = installed("1.9", "v1.9.1").filter((o) => (o as { kind: string }).kind !== "ConfigMap");
    const run = runKubeflow(CLUSTERS_BY_LINE["1.10"], "1.10", { objects });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Kubeflow v1.9.1 (line 1.9) is installed and this update asks for v1.10.2");
  });

  test("the preview shows the policy beside the version: the Kubeflow step's triggers", () => {
    const refuse = planBootstrap(CLUSTERS_BY_LINE["1.10"]).find((s) => s.id === STEP_IDS.kubeflow)!.triggers;
    expect(refuse).toContain("versionChange=refuse (on another installed Kubeflow line: stop, change nothing)");
    const reinstall = planBootstrap(withComponents(CLUSTERS_BY_LINE["1.10"], undefined, "reinstall")).find((s) => s.id === STEP_IDS.kubeflow)!.triggers;
    expect(reinstall).toContain("versionChange=reinstall (on another installed Kubeflow line: delete it, then install)");
  });
});
