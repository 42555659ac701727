/**
 * Issue 16, without a cluster: node state on a claim by default, the re-addressing of a vNode
 * re-created on its state, the re-run of exactly the steps that lived in a lost node state,
 * and the live `health` output. The real tier (test/real/faults.real.test.ts) does the same
 * to real vNodes.
 */
import * as pulumi from "@pulumi/pulumi";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { liveUids, record, valueOf, type Registered } from "./helpers/pulumiMocks";
import { Vk8sCluster, type Vk8sClusterArgs } from "../components/vk8sCluster";
import { hostRenderWarnings } from "../src/render/host";
import { renderNodeAddressScript, VNODE_ADDRESS_FILE, VNODE_KUBEADM_INIT_FILE, nodeStateObject } from "../src/render/vnode";
import { planBootstrap } from "../src/bootstrap/plan";
import { apiServerConnection, clusterHealth, innerNodesHealth, readError, vNodePodHealth } from "../src/status/health";
import { gpuCluster } from "./fixtures/clusters";

jest.setTimeout(60_000);

const PASSWORD = "sentinel-Pa55word-7f3a";

function args(overrides: Partial<Vk8sClusterArgs> = {}): Vk8sClusterArgs {
  return {
    nodes: [
      { name: "master", role: "master", image: "registry.example.com/vk8s/kink:v1.20" },
      { name: "w1", role: "worker", image: "registry.example.com/vk8s/kink:v1.20" },
    ],
    kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
    kubeflow: { version: "v1.3.0", email: "test@example.com", password: pulumi.secret(PASSWORD) },
    ...overrides,
  };
}

const commands = (rs: Registered[]) => rs.filter((r) => r.type === "command:remote:Command");

/** Each command's triggers, by step id. */
async function triggersOf(a: Vk8sClusterArgs): Promise<Map<string, string>> {
  const { resources } = await record((o) => new Vk8sCluster("c1", a, o));
  return new Map(commands(resources).map((c) => [c.name.replace(/^c1-/, ""), JSON.stringify(c.inputs.triggers)]));
}
const changed = (a: Map<string, string>, b: Map<string, string>) => [...a.keys()].filter((k) => a.get(k) !== b.get(k)).sort();

describe("node state: a claim by default, emptyDir only when asked", () => {
  test("emptyDir is allowed with a warning that names the field, what is lost and the fix", () => {
    expect(hostRenderWarnings({})).toEqual([]);
    expect(hostRenderWarnings({ nodeStorage: { size: "10Gi" } })).toEqual([]);
    const [warning, ...more] = hostRenderWarnings({ nodeStorage: "emptyDir" });
    expect(more).toEqual([]);
    expect(warning).toMatch(/^hostRender\.nodeStorage: "emptyDir" keeps each vNode's node state .* only as long as its pod/);
    expect(warning).toContain("omit nodeStorage");
  });

  test("a misspelt nodeStorage is refused before anything is registered", async () => {
    const bad = args({ hostRender: { nodeStorage: "tmpfs" as any } });
    expect(() => new Vk8sCluster("bad", bad)).toThrow(/hostRender\.nodeStorage/);
    const { resources } = await record((o) => {
      try { new Vk8sCluster("bad2", bad, o); } catch { /* refused */ }
    });
    expect(resources).toEqual([]);
  });

  test("the object that identifies a node's state: its claim, or its pod for emptyDir", () => {
    const worker = gpuCluster.nodes.find((n) => n.role === "worker")!;
    expect(nodeStateObject(gpuCluster, worker, {})).toEqual({ kind: "PersistentVolumeClaim", name: `vnode-data-${worker.podName}` });
    expect(nodeStateObject(gpuCluster, worker, { nodeStorage: "emptyDir" })).toEqual({ kind: "Pod", name: worker.podName });
  });
});

describe("node-address.sh: a vNode re-created on its state with a new IP", () => {
  let root: string;
  let script: string;
  const kubeadmLog = () => path.join(root, "kubeadm.log");
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-readdress-"));
    script = path.join(root, "node-address.sh");
    fs.writeFileSync(script, renderNodeAddressScript());
    fs.mkdirSync(path.join(root, "etc/kubernetes/manifests"), { recursive: true });
    fs.mkdirSync(path.join(root, "etc/kubernetes/pki"), { recursive: true });
    fs.mkdirSync(path.join(root, "var/lib/kubelet"), { recursive: true });
    fs.writeFileSync(path.join(root, "stub-kubeadm"), `#!/bin/sh\necho "$@" >> "${kubeadmLog()}"\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const write = (rel: string, text: string) => fs.writeFileSync(path.join(root, rel), text);
  const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
  const run = (ipNow: string) => spawnSync("sh", [script], {
    env: { ...process.env, VK8S_STATE_ROOT: root, VK8S_NODE_IP_NOW: ipNow, VK8S_KUBEADM: path.join(root, "stub-kubeadm") },
    encoding: "utf8",
  });

  test("does nothing on a fresh node (no recorded address)", () => {
    const r = run("10.88.0.9");
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(root, VNODE_ADDRESS_FILE))).toBe(false);
  });

  test("rewrites every whole occurrence of the old address, re-issues the API server certificate, records the new one", () => {
    write(VNODE_ADDRESS_FILE, "VK8S_NODE_INTERFACE=eth0\nVK8S_NODE_IP=10.88.0.5\n");
    write("etc/kubernetes/manifests/etcd.yaml", "- --listen-client-urls=https://127.0.0.1:2379,https://10.88.0.5:2379\n- --other=10.88.0.51\n- --x=110.88.0.5\n");
    write("etc/kubernetes/manifests/kube-apiserver.yaml", "- --advertise-address=10.88.0.5\n");
    write("etc/kubernetes/controller-manager.conf", "    server: https://10.88.0.5:6443\n");
    write("var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--node-ip=10.88.0.5 --pod-infra-container-image=x"\n');
    write(VNODE_KUBEADM_INIT_FILE, "localAPIEndpoint:\n  advertiseAddress: 10.88.0.5\n");
    write("etc/kubernetes/pki/apiserver.crt", "old");
    write("etc/kubernetes/pki/apiserver.key", "old");
    const r = run("10.88.0.17");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("changed from 10.88.0.5 to 10.88.0.17");
    expect(read("etc/kubernetes/manifests/etcd.yaml")).toBe("- --listen-client-urls=https://127.0.0.1:2379,https://10.88.0.17:2379\n- --other=10.88.0.51\n- --x=110.88.0.5\n");
    expect(read("etc/kubernetes/manifests/kube-apiserver.yaml")).toBe("- --advertise-address=10.88.0.17\n");
    expect(read("etc/kubernetes/controller-manager.conf")).toBe("    server: https://10.88.0.17:6443\n");
    expect(read("var/lib/kubelet/kubeadm-flags.env")).toContain("--node-ip=10.88.0.17 ");
    expect(read(VNODE_KUBEADM_INIT_FILE)).toContain("advertiseAddress: 10.88.0.17");
    expect(fs.existsSync(path.join(root, "etc/kubernetes/pki/apiserver.crt"))).toBe(false);
    expect(read("kubeadm.log")).toBe(`init phase certs apiserver --config ${root}${VNODE_KUBEADM_INIT_FILE}\n`);
    expect(read(VNODE_ADDRESS_FILE)).toBe("VK8S_NODE_INTERFACE=eth0\nVK8S_NODE_IP=10.88.0.17\n");
  });

  test("a worker (no InitConfiguration kept) is re-addressed without kubeadm; the same address changes nothing", () => {
    write(VNODE_ADDRESS_FILE, "VK8S_NODE_INTERFACE=eth0\nVK8S_NODE_IP=10.88.0.6\n");
    write("var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="--node-ip=10.88.0.6"\n');
    expect(run("10.88.0.6").stderr).toBe("");
    expect(read("var/lib/kubelet/kubeadm-flags.env")).toContain("--node-ip=10.88.0.6\"");
    expect(run("10.88.0.8").status).toBe(0);
    expect(read("var/lib/kubelet/kubeadm-flags.env")).toContain("--node-ip=10.88.0.8\"");
    expect(fs.existsSync(kubeadmLog())).toBe(false);
  });

  test("shellcheck finds nothing", () => {
    const which = spawnSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" });
    if (which.status !== 0) throw new Error("shellcheck is not installed (scripts/setup.sh installs it)");
    expect(execFileSync("shellcheck", ["-s", "sh", script], { encoding: "utf8" })).toBe("");
  });
});

describe("a lost node state re-runs exactly the steps that lived in it", () => {
  afterEach(() => liveUids.clear());

  test("the plan names whose state each step lives in: the master's for cluster objects, a worker's for its join", () => {
    const steps = planBootstrap(gpuCluster);
    const worker = gpuCluster.nodes.find((n) => n.role === "worker")!.name;
    const master = gpuCluster.master.name;
    for (const step of steps) {
      const own = step.id.endsWith(`-${worker}`) && /^0[56]-/.test(step.id);
      expect([step.id, step.stateOf]).toEqual([step.id, own ? [master, worker] : [master]]);
    }
  });

  test("every command carries the live uid of the node states it lives in", async () => {
    const t = await triggersOf(args());
    expect(t.get("02-kubeadm-init")).toContain("state:master=uid-of-vnode-data-c1-master-0");
    expect(t.get("06-join-w1")).toContain("state:w1=uid-of-vnode-data-c1-w1-0");
    expect(t.get("06-join-w1")).toContain("state:master=uid-of-vnode-data-c1-master-0");
    expect(t.get("08-kubeflow")).not.toContain("state:w1");
  });

  test("a worker's new claim re-runs its join token and join only", async () => {
    const before = await triggersOf(args());
    liveUids.set("vnode-data-c1-w1-0", "a-new-claim");
    expect(changed(before, await triggersOf(args()))).toEqual(["05-join-token-w1", "06-join-w1"]);
  });

  test("the master's new claim re-runs every step but the worker's clean-up companion", async () => {
    const before = await triggersOf(args());
    liveUids.set("vnode-data-c1-master-0", "a-new-claim");
    const rerun = changed(before, await triggersOf(args()));
    expect(rerun).toEqual([...before.keys()].filter((k) => !k.endsWith("-cleanup")).sort());
  });

  test("emptyDir: a new pod is a new state; a claim's vNode ignores its pod's uid", async () => {
    const empty = args({ hostRender: { nodeStorage: "emptyDir" } });
    const before = await triggersOf(empty);
    liveUids.set("c1-w1-0", "a-new-pod");
    expect(changed(before, await triggersOf(empty))).toEqual(["05-join-token-w1", "06-join-w1"]);
    const claimed = await triggersOf(args());
    expect(changed(claimed, await triggersOf(args()))).toEqual([]);
  });

  test("without awaitVNodes nothing is read and no state trigger is added", async () => {
    const { resources } = await record((o) => new Vk8sCluster("c1", args({ awaitVNodes: false }), o));
    expect(resources.filter((r) => r.read)).toEqual([]);
    for (const c of commands(resources)) expect(JSON.stringify(c.inputs.triggers)).not.toContain("state:");
  });
});

describe("health: what is true now", () => {
  const kubeconfig = (server: string) => [
    "apiVersion: v1", "kind: Config", "current-context: admin",
    "clusters:", "- name: c", "  cluster:", `    server: ${server}`, `    certificate-authority-data: ${Buffer.from("CA PEM").toString("base64")}`,
    "contexts:", "- name: admin", "  context:", "    cluster: c", "    user: u",
    "users:", "- name: u", "  user:", `    client-certificate-data: ${Buffer.from("CERT PEM").toString("base64")}`, `    client-key-data: ${Buffer.from("KEY PEM").toString("base64")}`,
  ].join("\n");

  test("the connection comes from the current context; a missing credential is named, never shown", () => {
    expect(apiServerConnection(kubeconfig("https://127.0.0.1:31644"))).toEqual({ server: "https://127.0.0.1:31644", ca: "CA PEM", cert: "CERT PEM", key: "KEY PEM" });
    expect(apiServerConnection("apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.5:6443\n"))
      .toEqual({ error: "the kubeconfig has no ca, cert, key in its current context" });
    expect(apiServerConnection(": not yaml: [")).toEqual({ error: "the kubeconfig is not YAML" });
  });

  test("Ready only when every vNode pod and every spec node is Ready; Degraded, Unreachable and NotBootstrapped otherwise", () => {
    const running = vNodePodHealth("master", "c1-master-0", { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ restartCount: 2 }] } });
    expect(running).toEqual({ node: "master", pod: "c1-master-0", phase: "Running", ready: true, restarts: 2 });
    const absent = vNodePodHealth("w1", "c1-w1-0", undefined);
    expect(absent).toEqual({ node: "w1", pod: "c1-w1-0", phase: "Absent", ready: false, restarts: 0 });
    const nodes = innerNodesHealth({ items: [
      { metadata: { name: "w1" }, status: { conditions: [{ type: "Ready", status: "Unknown" }] } },
      { metadata: { name: "master" }, status: { conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }] } },
    ] });
    expect(nodes).toEqual([{ name: "master", ready: "True" }, { name: "w1", ready: "Unknown" }]);
    expect(clusterHealth(["master"], [running], { nodes }).status).toBe("Ready");
    expect(clusterHealth(["master", "w1"], [running], { nodes }).status).toBe("Degraded");
    expect(clusterHealth(["master"], [running, absent], { nodes }).status).toBe("Degraded");
    expect(clusterHealth(["master"], [running], { error: "ECONNREFUSED: connect" })).toEqual({ status: "Unreachable", apiServer: "ECONNREFUSED: connect", vNodes: [running], nodes: [] });
    expect(clusterHealth(["master"], [running], undefined).status).toBe("NotBootstrapped");
  });

  test("a read error never carries key material", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    const message = readError(new Error(`bad key ${pem} and ${"A".repeat(80)}`));
    expect(message).toBe("bad key [pem] and [data]");
    expect(readError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1");
  });

  test("the component reports the live pods, and Unreachable with the reason when the virtual cluster cannot be read", async () => {
    const { result } = await record((o) => new Vk8sCluster("c1", args(), o));
    const health = await valueOf(result.health);
    expect(health.vNodes).toEqual([
      { node: "master", pod: "c1-master-0", phase: "Running", ready: true, restarts: 0 },
      { node: "w1", pod: "c1-w1-0", phase: "Running", ready: true, restarts: 0 },
    ]);
    // The mocked kubeconfig step prints a kubeconfig without credentials.
    expect(health).toMatchObject({ status: "Unreachable", apiServer: "the kubeconfig has no ca, cert, key in its current context", nodes: [] });
  });
});
