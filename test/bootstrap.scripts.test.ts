/**
 * Targeted assertions on the rendered scripts, for each Kubeflow line the bootstrap supports.
 */
import { digest, hashDexPassword } from "../src/bootstrap/password";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import type { BootstrapOptionsInput, BootstrapStep } from "../src/bootstrap/types";
import type { ResolvedCluster } from "../src/spec/resolved";
import {
  ALL_FIXTURES, CLUSTERS_BY_LINE, FIXTURE_PASSWORD, FIXTURE_SEED, GPU_WORKERS, SAMPLE_1_3, fixtureNode,
} from "./fixtures/bootstrapClusters";

function steps(cluster: ResolvedCluster, options?: BootstrapOptionsInput): Map<string, BootstrapStep> {
  return new Map(planBootstrap(cluster, options).map((s) => [s.id, s]));
}
function scriptOf(cluster: ResolvedCluster, id: string, options?: BootstrapOptionsInput): string {
  const step = steps(cluster, options).get(id);
  if (!step) throw new Error(`no step ${id}`);
  return step.script;
}
/** Asserts `first` occurs in `text` and before `second`. */
function expectBefore(text: string, first: string, second: string): void {
  expect(text).toContain(first);
  expect(text).toContain(second);
  expect(text.indexOf(first)).toBeLessThan(text.indexOf(second));
}

/** Per line: Kubernetes minor, kustomize, 1.7 filter, server-side apply, where dex reads the hash (reference, section 4). */
const LINES: [string, string, string, boolean, boolean, "configmap" | "secret"][] = [
  ["1.3", "1.20", "3.2.0", false, false, "configmap"],
  ["1.4", "1.20", "3.2.0", false, false, "configmap"],
  ["1.7", "1.25", "5.0.0", true, false, "configmap"],
  ["1.9", "1.29", "5.2.1", false, false, "secret"],
  ["1.10", "1.32", "5.4.3", false, true, "secret"],
];

describe.each(LINES)("Kubeflow %s", (line, minor, kustomize, wellDefined, serverSide, dexPlace) => {
  const cluster = CLUSTERS_BY_LINE[line];
  const version = `v${cluster.matrix.kubernetesVersion}`;

  test(`kubeadm init: guarded by admin.conf, Kubernetes ${minor}, the spec's CIDRs`, () => {
    const init = scriptOf(cluster, STEP_IDS.kubeadmInit);
    expect(version.startsWith(`v${minor}.`)).toBe(true);
    expectBefore(init, "if [ -f /etc/kubernetes/admin.conf ]; then\n  log", "kubeadm init \\");
    expect(init).toContain(`    --kubernetes-version ${version} \\\n`);
    expect(init).toContain("    --pod-network-cidr '80.244.0.0/16' \\\n");
    expect(init).toContain("    --service-cidr '80.96.0.0/12' \\\n");
    expect(init).toContain(`    --control-plane-endpoint '${cluster.master.hostname}:6443' \\\n`);
    expect(init).toContain("    --skip-token-print");
    expect(init).toContain(`echo "VK8S_NODE ${cluster.master.name} kubernetes-ready"`);
    expect(scriptOf(cluster, STEP_IDS.waitMaster)).toContain(`  v${minor}.*) ;;`);
  });

  test(`calico ${cluster.matrix.calico}: eth0 autodetection and the pod CIDR patched before apply`, () => {
    const calico = scriptOf(cluster, STEP_IDS.calico);
    expect(calico).toContain(`manifest="$work/calico/calico-${cluster.matrix.calico}.yaml"`);
    expect(calico).toContain(`/v${cluster.matrix.calico.split(".").slice(0, 2).join(".")}`);
    expect(calico).toContain(`awk -v autodetect='interface=eth0' -v pool='80.244.0.0/16' '`);
    expect(calico).toContain('print indent "- name: IP_AUTODETECTION_METHOD"');
    expect(calico).toContain('print indent "- name: CALICO_IPV4POOL_CIDR"');
    expectBefore(calico, "awk -v autodetect=", 'kubectl apply -f "$manifest"');
    expectBefore(calico, `grep -q 'value: "80.244.0.0/16"' "$manifest"`, 'kubectl apply -f "$manifest"');
  });

  test("a worker: join command minted on the master at join time, join guarded by kubelet.conf", () => {
    const withWorker: ResolvedCluster = { ...cluster, nodes: [...cluster.nodes, fixtureNode(cluster.name, "w1", "worker", 1, 0, minor)] };
    const plan = steps(withWorker);
    const token = plan.get("05-join-token-w1")!;
    expect(token.node).toBe(cluster.master.name);
    expect(token.script).toContain("kubeadm token create --print-join-command --ttl 2h --description 'vk8s join of w1'");
    const join = plan.get("06-join-w1")!;
    expect(join.stdin).toEqual({ stepOutput: "05-join-token-w1" });
    expectBefore(join.script, "if [ -f /etc/kubernetes/kubelet.conf ]; then", 'kubeadm join "$endpoint"');
    expect(join.script).toContain(`  v${minor}.*) ;;`);
    expect(join.deleteScript).toContain("kubectl drain 'w1' --ignore-daemonsets --delete-emptydir-data --force --timeout=600s");
  });

  test(`Kubeflow: manifests ${cluster.matrix.kubeflow.manifestsRef}, kustomize ${kustomize}, bounded apply loop`, () => {
    const kf = scriptOf(cluster, STEP_IDS.kubeflow);
    expect(kf).toContain(`kustomize="$work/bin/kustomize-${kustomize}"`);
    expect(kf).toContain(`https://github.com/kubeflow/manifests/archive/${cluster.matrix.kubeflow.manifestsRef}.tar.gz`);
    expect(kf).toContain("attempts=30\nbackoff=10\nmax_backoff=120\ntimeout_s=1800\n");
    expect(kf).toContain('  if [ "$attempt" -ge "$attempts" ]; then');
    expect(kf).toContain('timeout "$remaining" "$kustomize" build "$src/example"');
    expect(kf).not.toContain("while ! ");
    expect(kf.includes("awk '!/well-defined/'")).toBe(wellDefined);
    expect(kf.includes("kubectl apply --server-side --force-conflicts -f")).toBe(serverSide);
    expect(kf).toContain("--timeout=600s");
  });

  test(`dex: the hash goes to the ${dexPlace}, read from stdin, dex restarted`, () => {
    const dex = steps(cluster).get(STEP_IDS.dexLogin)!;
    expect(dex.stdin).toEqual({ secret: "dexPasswordHash" });
    expect(dex.secretOutput).toBe(true);
    expect(dex.script).toContain("hash=$(cat)");
    expect(dex.script).toContain(`awk -v mode=${dexPlace} '`);
    expect(dex.script.includes("kubectl create secret generic dex-passwords -n auth --from-file=DEX_USER_PASSWORD=")).toBe(dexPlace === "secret");
    expect(dex.script.includes('VK8S_DEX_HASH="$hash"')).toBe(dexPlace === "configmap");
    expect(dex.script).toContain("kubectl get configmap dex -n auth -o jsonpath='{.data.config\\.yaml}'");
    expectBefore(dex.script, "| kubectl apply -f - >&2", "kubectl rollout restart deployment/dex -n auth");
    expect(dex.script).toContain("# stdin: the bcrypt hash of the Kubeflow password (never the password itself).");
  });

  test("expose: istio-ingressgateway port 80 on NodePort 30000, secure cookies off for HTTP", () => {
    const expose = scriptOf(cluster, STEP_IDS.expose);
    expect(expose).toContain(
      `kubectl patch service istio-ingressgateway -n istio-system -p '{"spec":{"type":"NodePort","ports":[{"name":"http2","port":80,"nodePort":30000}]}}'`,
    );
    expect(expose).toContain('kubectl set env -n kubeflow "$app" APP_SECURE_COOKIES=false');
    expect(scriptOf(cluster, STEP_IDS.status)).toContain('[ "$node_port" = "30000" ]');
  });
});

describe("every script of every fixture", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SEED);
  const all = Object.entries(ALL_FIXTURES).flatMap(([name, cluster]) =>
    planBootstrap(cluster, { dexPasswordHash: hash }).map((step) => [`${name} ${step.id}`, step] as const),
  );

  test.each(all)("%s: #!/bin/sh, set -eu before any command, no timestamp in the text", (_, step) => {
    for (const text of [step.script, ...(step.deleteScript ? [step.deleteScript] : [])]) {
      const lines = text.split("\n");
      expect(lines[0]).toBe("#!/bin/sh");
      const firstCommand = lines.findIndex((l) => l.length > 0 && !l.startsWith("#"));
      expect(lines[firstCommand]).toBe("set -eu");
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
      expect(text.endsWith("\n")).toBe(true);
    }
  });

  test.each(all)("%s: neither the plain password nor the hash appear in script, triggers or delete script", (_, step) => {
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
    expect(all.filter((s) => s.script.includes("\nphase '")).map((s) => s.id)).toEqual([
      STEP_IDS.waitMaster, STEP_IDS.kubeadmInit, STEP_IDS.kubeflow, STEP_IDS.status,
    ]);
    expect(all.find((s) => s.id === id)!.script).toContain(`\n${marker}\n`);
  });

  test("markers carry the UTC time of the run, from date", () => {
    expect(scriptOf(SAMPLE_1_3, STEP_IDS.waitMaster)).toContain(
      `phase() { printf 'VK8S_PHASE %s %s\\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; }`,
    );
  });
});

describe("workers and GPUs", () => {
  const plan = steps(GPU_WORKERS);

  test("join command minted at join time on the master; the join reads it from stdin and is guarded by kubelet.conf", () => {
    const token = plan.get("05-join-token-gpu-worker")!;
    expect(token.node).toBe("gpu-team-master");
    expect(token.secretOutput).toBe(true);
    expect(token.script).toContain("kubeadm token create --print-join-command --ttl 2h");
    const join = plan.get("06-join-gpu-worker")!;
    expect(join.node).toBe("gpu-worker");
    expect(join.stdin).toEqual({ stepOutput: "05-join-token-gpu-worker" });
    expect(join.secretOutput).toBe(true);
    expectBefore(join.script, "join_command=$(cat)", 'kubeadm join "$endpoint"');
    expectBefore(join.script, "if [ -f /etc/kubernetes/kubelet.conf ]; then", 'kubeadm join "$endpoint" --token "$token"');
    expect(join.script).toContain("already joined, skipping kubeadm join");
    expect(join.script).toContain("--node-name 'gpu-worker'");
  });

  test("each vNode's kubelet labels its node with its GPU count; GPU vNodes check their allocation", () => {
    expect(plan.get("06-join-gpu-worker")!.script).toContain("--node-labels=vk8s.io/gpus=2");
    expect(plan.get("06-join-gpu-worker")!.script).toContain('[ "$allocated" -eq 2 ] || fail "/etc/vk8s/gpus lists $allocated GPU(s)');
    expect(plan.get("06-join-cpu-worker")!.script).toContain("--node-labels=vk8s.io/gpus=0");
    expect(plan.get("06-join-cpu-worker")!.script).not.toContain("/etc/vk8s/gpus");
    expect(plan.get(STEP_IDS.kubeadmInit)!.script).toContain("--node-labels=vk8s.io/gpus=0");
  });

  test("device plugin: pinned static manifest, then every node must advertise exactly its label's GPUs", () => {
    const plugin = plan.get(STEP_IDS.devicePlugin)!.script;
    expect(plugin).toContain("https://raw.githubusercontent.com/NVIDIA/k8s-device-plugin/v0.17.1/deployments/static/nvidia-device-plugin.yml");
    expect(plugin).toContain("{.metadata.labels.vk8s\\.io/gpus}");
    expect(plugin).toContain("{.status.allocatable.nvidia\\.com/gpu}");
    expectBefore(plugin, 'kubectl apply -f "$manifest"', "gpu_mismatch() {");
  });

  test("removing a worker drains it from the master", () => {
    const join = plan.get("06-join-cpu-worker")!;
    expect(join.deleteNode).toBe("gpu-team-master");
    expect(join.deleteScript).toContain("kubectl drain 'cpu-worker' --ignore-daemonsets --delete-emptydir-data --force --timeout=600s");
    expect(join.deleteScript).toContain("kubectl delete node 'cpu-worker'");
  });
});

describe("options change the scripts", () => {
  test("apply retry values are rendered as given", () => {
    const kf = scriptOf(SAMPLE_1_3, STEP_IDS.kubeflow, { apply: { attempts: 7, timeoutSeconds: 900 } });
    expect(kf).toContain("attempts=7\nbackoff=10\nmax_backoff=120\ntimeout_s=900\n");
  });

  test("mirror and local sources replace the upstream URLs", () => {
    const options: BootstrapOptionsInput = {
      kubeflowSource: { kind: "mirror", url: "https://mirror.example.com/kubeflow-manifests-{version}.tar.gz" },
      kustomizeSource: { kind: "local", path: "/opt/vk8s/bin/kustomize-{version}" },
      calicoSource: { kind: "local", path: "/opt/vk8s/calico" },
    };
    const kf = scriptOf(SAMPLE_1_3, STEP_IDS.kubeflow, options);
    expect(kf).toContain("'https://mirror.example.com/kubeflow-manifests-v1.3.1.tar.gz'");
    expect(kf).toContain(`cp '/opt/vk8s/bin/kustomize-3.2.0' "$kustomize"`);
    expect(kf).not.toContain("github.com");
    const calico = scriptOf(SAMPLE_1_3, STEP_IDS.calico, options);
    expect(calico).toContain(`cp '/opt/vk8s/calico/calico.yaml' "$manifest.orig"`);
    expect(calico).not.toContain("curl");
  });

  test("tls: port 443 on the NodePort, self-signed certificate, secure cookies stay on", () => {
    const expose = scriptOf(SAMPLE_1_3, STEP_IDS.expose, { exposure: "tls" });
    expect(expose).toContain('"ports":[{"name":"https","port":443,"nodePort":30000}]');
    expect(expose).toContain('"issuerRef":{"kind":"ClusterIssuer","name":"kubeflow-self-signing-issuer"}');
    expect(expose).toContain('"credentialName":"kubeflow-ingressgateway-certs"');
    expect(expose).not.toContain("APP_SECURE_COOKIES");
  });
});
