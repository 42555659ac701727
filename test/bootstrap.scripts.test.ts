/**
 * Targeted assertions on what each step runs: its static program and its data (environment
 * and data files), for each Kubeflow line the bootstrap supports, and on the command text
 * that carries them (bundle.ts).
 */
import { programText } from "../src/bootstrap/bundle";
import { digest, hashDexPassword } from "../src/bootstrap/password";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import type { BootstrapOptionsInput, BootstrapStep } from "../src/bootstrap/types";
import type { ResolvedCluster } from "../src/cluster/resolved";
import {
  ALL_FIXTURES, CLUSTERS_BY_LINE, FIXTURE_PASSWORD, FIXTURE_SALT, GPU_WORKERS, SAMPLE_1_3, fixtureNode,
} from "./fixtures/bootstrapClusters";

function steps(cluster: ResolvedCluster, options?: BootstrapOptionsInput): Map<string, BootstrapStep> {
  return new Map(planBootstrap(cluster, options).map((s) => [s.id, s]));
}
function stepOf(cluster: ResolvedCluster, id: string, options?: BootstrapOptionsInput): BootstrapStep {
  const step = steps(cluster, options).get(id);
  if (!step) throw new Error(`no step ${id}`);
  return step;
}
const fileOf = (step: BootstrapStep, path: string) => step.run.files.find((f) => f.path === path)?.content;

/** Per line: Kubernetes minor, kustomize, 1.7 filter, server-side apply, where dex reads the hash (reference, section 4). */
const LINES: [string, string, string, boolean, boolean, "configmap" | "secret"][] = [
  ["1.3", "1.20", "3.2.0", false, false, "configmap"],
  ["1.4", "1.20", "3.2.0", false, false, "configmap"],
  ["1.7", "1.25", "5.0.0", true, false, "configmap"],
  ["1.9", "1.29", "5.2.1", false, false, "secret"],
  ["1.10", "1.32", "5.4.3", false, true, "secret"],
  ["1.11", "1.34", "5.7.1", false, true, "secret"],
  ["26.03", "1.34", "5.8.1", false, true, "secret"],
];

describe.each(LINES)("Kubeflow %s", (line, minor, kustomize, wellDefined, serverSide, dexPlace) => {
  const cluster = CLUSTERS_BY_LINE[line];
  const version = `v${cluster.matrix.kubernetesVersion}`;

  test(`kubeadm init: program kubeadm-init.sh with kubeadm/init.yaml for Kubernetes ${minor}`, () => {
    const init = stepOf(cluster, STEP_IDS.kubeadmInit);
    expect(version.startsWith(`v${minor}.`)).toBe(true);
    expect(init.run.program).toBe("kubeadm-init.sh");
    expect(init.run.env.VK8S_KUBEADM_CONFIG).toBe("kubeadm/init.yaml");
    const config = fileOf(init, "kubeadm/init.yaml")!;
    expect(config).toContain(`kubernetesVersion: ${version}\n`);
    expect(config).toContain("  podSubnet: 80.244.0.0/16\n  serviceSubnet: 80.96.0.0/12\n");
    expect(config).toContain(`controlPlaneEndpoint: ${cluster.master.hostname}:6443\n`);
    expect(config).toContain("cgroupDriver: cgroupfs\n");
    expect(init.script).toContain(`cat > "$step_dir/kubeadm/init.yaml" <<'VK8S_FILE_END'\n${config}VK8S_FILE_END\n`);
    const wait = stepOf(cluster, STEP_IDS.waitMaster);
    expect(wait.run.env).toMatchObject({ VK8S_KUBERNETES_MINOR: minor, VK8S_KUBERNETES_VERSION: version, VK8S_NODE_NAME: cluster.master.name });
  });

  test(`calico ${cluster.matrix.calico}: the calico-node patch travels as data`, () => {
    const calico = stepOf(cluster, STEP_IDS.calico);
    expect(calico.run.program).toBe("calico.sh");
    expect(calico.run.env.VK8S_CALICO_VERSION).toBe(cluster.matrix.calico);
    expect(calico.run.env.VK8S_CALICO_SOURCE).toContain(`/v${cluster.matrix.calico.split(".").slice(0, 2).join(".")}`);
    const patch = fileOf(calico, "calico/calico-node-patch.yaml")!;
    expect(patch).toContain("value: interface=eth0\n");
    expect(patch).toContain("value: 80.244.0.0/16\n");
    expect(fileOf(calico, "calico/kustomization.yaml")).toContain(minor === "1.20" ? "patchesJson6902:" : "patches:");
  });

  test("a worker: join command minted on the master at join time, join with kubeadm/join-<node>.yaml", () => {
    const withWorker: ResolvedCluster = { ...cluster, nodes: [...cluster.nodes, fixtureNode(cluster.name, "w1", "worker", 1, 0, minor)] };
    const plan = steps(withWorker);
    const token = plan.get("05-join-token-w1")!;
    expect(token.node).toBe(cluster.master.name);
    expect(token.run).toEqual({ program: "join-token.sh", env: { VK8S_WORKER: "w1" }, files: [] });
    const join = plan.get("06-join-w1")!;
    expect(join.stdin).toEqual({ stepOutput: "05-join-token-w1" });
    expect(join.run.program).toBe("join.sh");
    expect(join.run.env).toMatchObject({ VK8S_KUBEADM_CONFIG: "kubeadm/join-w1.yaml", VK8S_KUBERNETES_MINOR: minor, VK8S_TOKEN_STEP: "05-join-token-w1" });
    expect(fileOf(join, "kubeadm/join-w1.yaml")).toContain("kind: JoinConfiguration\n");
    expect(join.deleteRun).toEqual({
      program: "remove-worker.sh", files: [],
      env: { VK8S_WORKER: "w1", VK8S_WAIT_TIMEOUT: "600", VK8S_DRAIN_EMPTYDIR_FLAG: "--delete-emptydir-data" },
    });
    expect(join.deleteScript).toContain("# vk8s bootstrap step 06-join-w1-delete: undo kubeadm join of w1\n");
  });

  test(`Kubeflow: manifests ${cluster.matrix.kubeflow.manifestsRef}, kustomize ${kustomize}, bounded apply loop`, () => {
    const kf = stepOf(cluster, STEP_IDS.kubeflow).run;
    expect(kf.program).toBe("kubeflow.sh");
    expect(kf.env).toMatchObject({
      VK8S_KUSTOMIZE_VERSION: kustomize,
      VK8S_KUSTOMIZE_AMD64_ONLY: kustomize === "3.2.0" ? "1" : "0",
      VK8S_MANIFESTS_KIND: "url",
      VK8S_MANIFESTS_SOURCE: `https://github.com/kubeflow/manifests/archive/${cluster.matrix.kubeflow.manifestsRef}.tar.gz`,
      VK8S_RETRY_ATTEMPTS: "30", VK8S_RETRY_BACKOFF: "10", VK8S_RETRY_MAX_BACKOFF: "120", VK8S_RETRY_TIMEOUT: "1800",
      VK8S_WELL_DEFINED_FILTER: wellDefined ? "1" : "0",
      VK8S_SERVER_SIDE_APPLY: serverSide ? "1" : "0",
      VK8S_WAIT_TIMEOUT: "600",
    });
  });

  test(`dex: the hash goes to the ${dexPlace}, read from stdin`, () => {
    const dex = stepOf(cluster, STEP_IDS.dexLogin);
    expect(dex.stdin).toEqual({ secret: "dexPasswordHash" });
    expect(dex.secretOutput).toBe(true);
    expect(dex.run.program).toBe("dex-login.sh");
    expect(dex.run.env).toMatchObject({ VK8S_DEX_MODE: dexPlace, VK8S_DEX_EMAIL: "test@example.com", VK8S_DEX_USERNAME: "test" });
  });

  test("expose and status: NodePort 30000 over HTTP", () => {
    expect(stepOf(cluster, STEP_IDS.expose).run.env).toMatchObject({ VK8S_EXPOSURE: "http-nodeport", VK8S_NODE_PORT: "30000" });
    expect(stepOf(cluster, STEP_IDS.status).run.env).toMatchObject({ VK8S_SERVICE_PORT: "80", VK8S_NODE_PORT: "30000" });
  });
});

describe("every command of every fixture", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SALT);
  const all = Object.entries(ALL_FIXTURES).flatMap(([name, cluster]) =>
    planBootstrap(cluster, { dexPasswordHash: hash }).map((step) => [`${name} ${step.id}`, step] as const),
  );

  test.each(all)("%s: carries lib.sh and its program verbatim, set -eu first, no timestamp, execs the program", (_, step) => {
    for (const [text, run] of [[step.script, step.run], ...(step.deleteScript ? [[step.deleteScript, step.deleteRun!] as const] : [])] as const) {
      const lines = text.split("\n");
      expect(lines[0]).toBe("#!/bin/sh");
      const firstCommand = lines.findIndex((l) => l.length > 0 && !l.startsWith("#"));
      expect(lines[firstCommand]).toBe("set -eu");
      expect(text).toContain(`<<'VK8S_FILE_END'\n${programText("lib.sh")}VK8S_FILE_END\n`);
      expect(text).toContain(`cat > "$step_dir/program.sh" <<'VK8S_FILE_END'\n${programText(run.program)}VK8S_FILE_END\n`);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
      expect(text.endsWith('exec sh "$step_dir/program.sh"\n')).toBe(true);
    }
  });

  test.each(all)("%s: neither the plain password nor the hash appear in command, data, triggers or delete command", (_, step) => {
    const text = JSON.stringify(step);
    expect(text).not.toContain(FIXTURE_PASSWORD);
    expect(text).not.toContain(hash);
  });

  test("the only trigger about the password is the sha256 of its hash", () => {
    const dex = planBootstrap(SAMPLE_1_3, { dexPasswordHash: hash }).find((s) => s.id === STEP_IDS.dexLogin)!;
    expect(dex.triggers.filter((t) => t.startsWith("passwordHash="))).toEqual([`passwordHash=sha256:${digest(hash)}`]);
  });
});

describe("phase markers", () => {
  test.each([
    [STEP_IDS.waitMaster, "phase 'Waiting: creating node'"],
    [STEP_IDS.kubeadmInit, "phase 'Installing: configuring master node'"],
    [STEP_IDS.kubeflow, "phase 'Installing: installing kubeflow'"],
    [STEP_IDS.status, "phase 'Running'"],
  ])("%s prints %s", (id, marker) => {
    const all = planBootstrap(SAMPLE_1_3);
    expect(all.filter((s) => programText(s.run.program).includes("\nphase '")).map((s) => s.id)).toEqual([
      STEP_IDS.waitMaster, STEP_IDS.kubeadmInit, STEP_IDS.kubeflow, STEP_IDS.status,
    ]);
    expect(programText(all.find((s) => s.id === id)!.run.program)).toContain(`\n${marker}\n`);
  });

  test("markers carry the UTC time of the run, from date", () => {
    expect(programText("lib.sh")).toContain(`phase() { printf 'VK8S_PHASE %s %s\\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; }`);
  });
});

describe("workers and GPUs", () => {
  const plan = steps(GPU_WORKERS);

  test("join: reads the join command from stdin, guarded by kubelet.conf, secret outputs", () => {
    const token = plan.get("05-join-token-gpu-worker")!;
    expect(token.node).toBe("gpu-team-master");
    expect(token.secretOutput).toBe(true);
    const join = plan.get("06-join-gpu-worker")!;
    expect(join.node).toBe("gpu-worker");
    expect(join.stdin).toEqual({ stepOutput: "05-join-token-gpu-worker" });
    expect(join.secretOutput).toBe(true);
    const program = programText("join.sh");
    expect(program.indexOf("join_command=$(cat)")).toBeLessThan(program.indexOf('kubeadm join --config "$config"'));
    expect(program.indexOf('if [ -f "$KUBELET_CONF" ]; then')).toBeLessThan(program.indexOf('kubeadm join --config "$config"'));
  });

  test("each vNode's kubelet labels its node with its GPU count (kubeletExtraArgs); GPU vNodes check their allocation", () => {
    expect(fileOf(plan.get("06-join-gpu-worker")!, "kubeadm/join-gpu-worker.yaml")).toContain("node-labels: vk8s.io/gpus=2\n");
    expect(fileOf(plan.get("06-join-cpu-worker")!, "kubeadm/join-cpu-worker.yaml")).toContain("node-labels: vk8s.io/gpus=0\n");
    expect(fileOf(plan.get(STEP_IDS.kubeadmInit)!, "kubeadm/init.yaml")).toContain("node-labels: vk8s.io/gpus=0\n");
    expect(plan.get("06-join-gpu-worker")!.run.env.VK8S_GPUS).toBe("2");
    expect(plan.get("06-join-cpu-worker")!.run.env.VK8S_GPUS).toBe("0");
  });

  test("device plugin: pinned static manifest, then every node must advertise exactly its label's GPUs", () => {
    const plugin = plan.get(STEP_IDS.devicePlugin)!.run;
    expect(plugin.env.VK8S_DEVICE_PLUGIN_SOURCE).toBe(
      "https://raw.githubusercontent.com/NVIDIA/k8s-device-plugin/v0.17.4/deployments/static/nvidia-device-plugin.yml",
    );
    const program = programText("device-plugin.sh");
    expect(program).toContain("{.metadata.labels.vk8s\\.io/gpus}");
    expect(program).toContain("{.status.allocatable.nvidia\\.com/gpu}");
  });

  test("removing a worker drains it from the master", () => {
    const join = plan.get("06-join-cpu-worker")!;
    expect(join.deleteNode).toBe("gpu-team-master");
    expect(join.deleteRun!.env.VK8S_WORKER).toBe("cpu-worker");
    expect(programText("remove-worker.sh")).toContain('kubectl drain "$VK8S_WORKER" --ignore-daemonsets "$VK8S_DRAIN_EMPTYDIR_FLAG" --force');
  });
});

describe("options change the data", () => {
  test("apply retry values are rendered as given", () => {
    const kf = stepOf(SAMPLE_1_3, STEP_IDS.kubeflow, { apply: { attempts: 7, timeoutSeconds: 900 } }).run.env;
    expect(kf).toMatchObject({ VK8S_RETRY_ATTEMPTS: "7", VK8S_RETRY_BACKOFF: "10", VK8S_RETRY_MAX_BACKOFF: "120", VK8S_RETRY_TIMEOUT: "900" });
  });

  test("mirror and local sources replace the upstream URLs", () => {
    const options: BootstrapOptionsInput = {
      kubeflowSource: { kind: "mirror", url: "https://mirror.example.com/kubeflow-manifests-{version}.tar.gz" },
      kustomizeSource: { kind: "local", path: "/opt/vk8s/bin/kustomize-{version}" },
      calicoSource: { kind: "local", path: "/opt/vk8s/calico" },
    };
    const kf = stepOf(SAMPLE_1_3, STEP_IDS.kubeflow, options);
    expect(kf.run.env).toMatchObject({
      VK8S_MANIFESTS_SOURCE: "https://mirror.example.com/kubeflow-manifests-v1.3.1.tar.gz",
      VK8S_KUSTOMIZE_KIND: "local", VK8S_KUSTOMIZE_SOURCE: "/opt/vk8s/bin/kustomize-3.2.0",
    });
    expect(kf.script).not.toContain("github.com");
    const calico = stepOf(SAMPLE_1_3, STEP_IDS.calico, options).run.env;
    expect(calico).toMatchObject({ VK8S_CALICO_SOURCE_KIND: "local", VK8S_CALICO_SOURCE: "/opt/vk8s/calico/calico.yaml" });
  });

  test("tls: port 443 on the NodePort, self-signed certificate and gateway patch as data files", () => {
    const expose = stepOf(SAMPLE_1_3, STEP_IDS.expose, { exposure: "tls" });
    expect(expose.run.env).toMatchObject({ VK8S_EXPOSURE: "tls", VK8S_NODE_PORT: "30000" });
    expect(JSON.parse(fileOf(expose, "expose/certificate.json")!).spec.issuerRef).toEqual({ kind: "ClusterIssuer", name: "kubeflow-self-signing-issuer" });
    expect(JSON.parse(fileOf(expose, "expose/gateway-patch.json")!).spec.servers[1].tls).toEqual({ mode: "SIMPLE", credentialName: "kubeflow-ingressgateway-certs" });
    expect(stepOf(SAMPLE_1_3, STEP_IDS.status, { exposure: "tls" }).run.env.VK8S_SERVICE_PORT).toBe("443");
  });

  test("image archives: one list, preloaded by init and every join; imageRepository in the ClusterConfiguration", () => {
    const options: BootstrapOptionsInput = {
      kubeadmImageRepository: "registry.example.com/k8s",
      imageArchives: [{ kind: "local", path: "/opt/vk8s/images/k8s-{version}.tar" }, { kind: "mirror", url: "https://mirror.example.com/calico.tar" }],
    };
    const plan = steps(GPU_WORKERS, options);
    const list = "local /opt/vk8s/images/k8s-1.20.15.tar\nurl https://mirror.example.com/calico.tar\n";
    for (const id of [STEP_IDS.kubeadmInit, "06-join-cpu-worker", "06-join-gpu-worker"]) {
      expect(fileOf(plan.get(id)!, "images/archives.list")).toBe(list);
      expect(plan.get(id)!.run.env.VK8S_IMAGE_ARCHIVES).toBe("images/archives.list");
      expect(plan.get(id)!.triggers).toContain(`imageRepository=registry.example.com/k8s`);
    }
    expect(plan.get(STEP_IDS.waitMaster)!.run.env.VK8S_EXTRA_TOOLS).toBe("ctr");
    expect(fileOf(plan.get(STEP_IDS.kubeadmInit)!, "kubeadm/init.yaml")).toContain("imageRepository: registry.example.com/k8s\n");
    const plain = steps(GPU_WORKERS);
    expect(plain.get(STEP_IDS.kubeadmInit)!.run.env.VK8S_IMAGE_ARCHIVES).toBe("");
    expect(fileOf(plain.get(STEP_IDS.kubeadmInit)!, "kubeadm/init.yaml")).not.toContain("imageRepository");
    expect(plain.get(STEP_IDS.calico)!.script).toBe(plan.get(STEP_IDS.calico)!.script);
  });
});
