/**
 * The real tier: real vNodes. A real host node (containerd + runc, kubelet, kube-proxy, CoreDNS;
 * test/localenv/hostnode.sh) runs the vNode StatefulSets exactly as vk8s renders them; the
 * real Pulumi engine bootstraps them over SSH through the access pod: a real `kubeadm init`
 * inside the master vNode with the rendered configuration and the preloaded images, flannel, the
 * worker's real `kubeadm join`, then the Kubeflow steps against the real inner cluster (Kubeflow's
 * images stood in for by the pause image: test/localenv/mirror.sh).
 * Everything listens on 127.0.0.1 or inside network namespaces this test makes.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { commandSpans, engineEvents, kubectl, kubectlJson, must, stopEnv, withoutDebugLines, type Env, type Run, type Stack } from "../e2e/harness";
import * as real from "./vcluster";

const PASSWORD = "real-Tier-Passw0rd-5f1c";
const NS = real.NS;
const API_NODE_PORT = 31644;
let env: Env;
let stack: Stack;
let innerKubeconfig = "";
const timings: Record<string, number> = {};
/** What the benchmark (`npm run bench:real`) reports; written to $VK8S_REAL_MEASURES when set. */
const measures: Record<string, number | string> = {};

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/** Duration (s) of each bootstrap command of a `pulumi up --json`, by step id (URN suffix). */
function commandSeconds(stdout: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [urn, { start, end }] of commandSpans(engineEvents(stdout))) out[urn.replace(/^.*::/, "")] = end - start;
  return out;
}
const logs: string[] = [];

function step(name: string, args: string[]): Run {
  const r = stack.withConfig(args, 1_800_000);
  timings[name] = r.seconds;
  logs.push(args.includes("--json") ? withoutDebugLines(r.stdout) : r.stdout, r.stderr);
  return r;
}

const innerNodes = () => real.innerNodes(innerKubeconfig);
const vNodePods = () => real.vNodePods(env);

beforeAll(() => {
  const started = real.startRealEnv("v1.9-shape");
  env = started.env;
  timings.hostNodeUp = started.hostNodeUpSeconds;
  const bootstrap = started.bootstrap;
  stack = real.quickstartStack(env, "real", {
    kubeflowVersion: "26.03",
    kubernetesVersion: "1.34",
    workers: "1",
    nodeResources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "6Gi" } },
    apiServerNodePort: String(API_NODE_PORT),
    bootstrap,
  }, PASSWORD);
}, 1_800_000);

afterAll(() => {
  if (!env) return;
  const down = stopEnv(env);
  console.log(`real tier timings (s): ${JSON.stringify(timings)}; down: exit ${down.code}\n${down.stderr.slice(-2000)}`);
  console.log(`real tier measures: ${JSON.stringify(measures, null, 1)}`);
  if (process.env.VK8S_REAL_MEASURES) fs.writeFileSync(process.env.VK8S_REAL_MEASURES, JSON.stringify({ ...measures, timings }, null, 2));
}, 600_000);

describe("a virtual cluster of real vNodes", () => {
  test("pulumi up: vNode pods Running under the host kubelet, both inner nodes Ready on containerd", () => {
    const up = must(step("up", ["up", "--yes", "--skip-preview", "--json"]), "pulumi up");
    const outputs = stack.outputs(true);
    innerKubeconfig = path.join(env.state, "inner.kubeconfig");
    fs.writeFileSync(innerKubeconfig, outputs.kubeconfig, { mode: 0o600 });

    expect(vNodePods().map((p) => [p.name, p.phase]).sort()).toEqual([["quickstart-master-0", "Running"], ["quickstart-worker-1-0", "Running"]]);
    // A joined worker turns Ready once flannel runs on it; the bootstrap waits for the master only
    // (the status step reports each node): wait, bounded, before asserting.
    const nodes = real.waitInnerNodesReady(innerKubeconfig, 120);
    expect(nodes.map((n) => [n.name, n.ready]).sort()).toEqual([["master", "True"], ["worker-1", "True"]]);
    for (const n of nodes) {
      expect(n.runtime).toMatch(/^containerd:\/\//);
      expect(n.kubelet).toBe("v1.34.4");
    }
    console.log(`inner cluster:\n${kubectl(innerKubeconfig, ["get", "nodes", "-o", "wide"])}`);
    console.log(`host cluster:\n${kubectl(env.hostKubeconfig, ["get", "nodes", "-o", "wide"])}\n${kubectl(env.hostKubeconfig, ["get", "pods", "-n", NS, "-o", "wide"])}`);

    // The install history ends in Running; the Kubeflow objects are real objects of the inner cluster.
    expect(JSON.stringify(outputs.phases)).toContain("Running");
    expect(outputs.kubeflowVersion).toBe("26.03");
    expect(outputs.kubernetesVersion).toBe("1.34.4");
    const deployments = kubectlJson(innerKubeconfig, ["get", "deployments", "-A"]).items;
    expect(deployments.map((d: any) => `${d.metadata.namespace}/${d.metadata.name}`)).toEqual(expect.arrayContaining(["auth/dex", "kubeflow/centraldashboard"]));

    // Measures (printed; `npm run bench:real` collects them): never asserted.
    measures.pulumiUpSeconds = timings.up;
    const steps = commandSeconds(up.stdout);
    for (const [id, t] of Object.entries(steps)) measures[`step ${id} (s)`] = t;
    const chain = Object.entries(steps).filter(([id]) => /^(01|02|04|08|09|10|11)-/.test(id.replace(/^[^0-9]*/, "")));
    measures.criticalPathSeconds = chain.reduce((sum, [, t]) => sum + t, 0);
    for (const pod of kubectlJson(env.hostKubeconfig, ["get", "pods", "-n", NS, "-l", "vnode"]).items) {
      const started = pod.status.containerStatuses[0].state.running.startedAt;
      const ready = pod.status.conditions.find((c: any) => c.type === "Ready").lastTransitionTime;
      measures[`${pod.metadata.name}: container start -> sshd ready (s)`] = seconds(started, ready);
      const cg = `/sys/fs/cgroup/memory/vk8s-host/kubepods`;
      const found = execFileSync("sh", ["-c", `find ${cg} -maxdepth 3 -type d -name 'pod${pod.metadata.uid}' | head -1`], { encoding: "utf8" }).trim();
      if (found) measures[`${pod.metadata.name}: memory (MiB)`] = Math.round(Number(fs.readFileSync(`${found}/memory.usage_in_bytes`, "utf8")) / 1048576);
    }
    for (const node of kubectlJson(innerKubeconfig, ["get", "nodes"]).items) {
      const ready = node.status.conditions.find((c: any) => c.type === "Ready").lastTransitionTime;
      measures[`inner ${node.metadata.name}: registered -> Ready (s)`] = seconds(node.metadata.creationTimestamp, ready);
    }
  });

  test("preview after up expects no changes", () => {
    must(step("preview", ["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  });

  test("a label change updates the StatefulSets in place and restarts no vNode", () => {
    const before = vNodePods();
    must(stack.withConfig(["config", "set", "labels", JSON.stringify({ team: "real-tier" })]), "config set labels");
    must(step("labelUp", ["up", "--yes", "--skip-preview"]), "pulumi up (labels)");
    const sets = kubectlJson(env.hostKubeconfig, ["get", "statefulsets", "-n", NS]).items;
    expect(sets.length).toBe(2);
    for (const s of sets) expect(s.metadata.labels.team).toBe("real-tier");
    expect(vNodePods()).toEqual(before);
    expect(innerNodes().every((n) => n.ready === "True")).toBe(true);
  });

  test("pulumi destroy leaves no object, pod or container of the cluster", () => {
    must(step("destroy", ["destroy", "--yes", "--skip-preview"]), "pulumi destroy");
    const namespaces = kubectlJson(env.hostKubeconfig, ["get", "namespaces"]).items.map((n: any) => n.metadata.name);
    expect(namespaces).not.toContain(NS);
    // Namespace deletion is asynchronous: the pods' containers go once the kubelet has stopped them.
    expect(real.waitNoContainers(env, NS, 120)).toBe("");
    expect(real.podMountsLeft(env)).toEqual([]);
  });
});

test("no secret appears in the command output", () => {
  const all = logs.join("\n");
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  expect(all).not.toContain("client-key-data");
});
