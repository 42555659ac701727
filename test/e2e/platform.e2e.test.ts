/**
 * The two-user platform program (examples/platform) on the real engine: user A on
 * Kubeflow 1.3 and user B on Kubeflow 1.4 (with a GPU worker), side by side in one host,
 * each with its own namespace, quota, isolation, storage and NodePorts.
 */
import * as bcrypt from "bcryptjs";
import * as fs from "fs";
import * as path from "path";
import { commandParallelism, engineEvents, kubectl, kubectlJson, localBootstrap, must, REPO, startEnv, startVNodes, stopEnv, Stack, type Env } from "./harness";

const PASSWORDS = { "user-a": "e2e-user-a-Passw0rd-5d1e", "user-b": "e2e-user-b-Passw0rd-0b7f" };
let env: Env;
let stack: Stack;

function user(name: string, kubeflow: string, nodes: { name: string; role: "master" | "worker"; gpus?: number }[], ports: Record<string, number>) {
  return {
    name,
    cluster: {
      nodes: nodes.map((n) => ({
        name: n.name, role: n.role,
        resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi", ...(n.gpus ? { "nvidia.com/gpu": n.gpus } : {}) } },
      })),
      kubernetes: { version: "1.20", podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
      kubeflow: { version: kubeflow, email: `${name}@example.com` },
    },
    quota: { cpu: "8", memory: "32Gi", gpus: nodes.reduce((s, n) => s + (n.gpus ?? 0), 0), storage: "20Gi" },
    storage: { size: "5Gi" },
    // Host NodePorts forward nothing in the local environment: keep the kubeconfig on the
    // inner API server's own address instead of an API server NodePort.
    nodePorts: { apiServer: false },
    ssh: { nodeEndpoints: Object.fromEntries(nodes.map((n) => [n.name, { host: "127.0.0.1", port: ports[n.name] }])), dialErrorLimit: 3, perDialTimeout: 5 },
  };
}

beforeAll(() => {
  env = startEnv();
  const a = startVNodes(env, "user-a", ["master"]);
  const b = { ...startVNodes(env, "user-b", ["master"]), ...startVNodes(env, "user-b", ["gpu-1"], { VK8S_SIM_GPUS: "1" }) };
  stack = new Stack(env, "e2e-platform", path.join(REPO, "examples/platform"));
  stack.init({
    users: [user("user-a", "v1.3.0", [{ name: "master", role: "master" }], a),
      user("user-b", "v1.4.0", [{ name: "master", role: "master" }, { name: "gpu-1", role: "worker", gpus: 1 }], b)],
    awaitVNodes: "false",
    bootstrap: localBootstrap(env, "v1.8-shape", "3.2.0"),
  });
  for (const [u, p] of Object.entries(PASSWORDS)) must(stack.withConfig(["config", "set", "--secret", "--path", `kubeflowPasswords.${u}`, p]), "password");
});

afterAll(() => { if (env) stopEnv(env); });

test("pulumi up creates both users' clusters", () => {
  const up = must(stack.withConfig(["up", "--yes", "--skip-preview", "--json"]), "up");
  const events = engineEvents(up.stdout);
  expect(events.find((e) => e.summaryEvent)?.summaryEvent.resourceChanges.create).toBeGreaterThan(30);
  const p = commandParallelism(events);
  console.log(`platform up (2 users): ${up.seconds.toFixed(1)}s wall; ${p.commands} bootstrap commands, ${p.sumSeconds.toFixed(1)}s summed, ${p.spanSeconds.toFixed(1)}s span`);
});

test("each user has its own namespace, quota, limit range, default-deny policy and storage", () => {
  for (const u of ["user-a", "user-b"]) {
    const ns = `vk8s-${u}`;
    expect(kubectl(env.hostKubeconfig, ["-n", ns, "get", "resourcequota,limitrange,networkpolicy,persistentvolumeclaim", "-o", "name"]).split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(4);
    const sts = kubectlJson(env.hostKubeconfig, ["-n", ns, "get", "statefulset", `${u}-master`]);
    expect(JSON.stringify(sts.spec.template.spec.volumes)).toContain(`${u}-storage`);
  }
  const gpu = kubectlJson(env.hostKubeconfig, ["-n", "vk8s-user-b", "get", "statefulset", "user-b-gpu-1"]);
  expect(gpu.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
});

test("users reach their own Kubeflow on their own NodePort, with their own login", () => {
  const out = stack.outputs(true);
  const urls = ["user-a", "user-b"].map((u) => out.endpoints[u].kubeflowUrl);
  expect(new Set(urls).size).toBe(2);
  for (const u of ["user-a", "user-b"] as const) {
    const kc = path.join(env.state, `${u}.kubeconfig`);
    fs.writeFileSync(kc, out.kubeconfigs[u], { mode: 0o600 });
    const dex = kubectlJson(kc, ["-n", "auth", "get", "configmap", "dex"]);
    const hash = /hash:\s*"?(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53})/.exec(dex.data["config.yaml"])?.[1];
    expect(bcrypt.compareSync(PASSWORDS[u], hash!)).toBe(true);
    expect(kubectl(kc, ["get", "storageclass", "vk8s-user-storage", "-o", "name"]).trim()).toBe("storageclass.storage.k8s.io/vk8s-user-storage");
  }
});

test("no perpetual diff, and destroy removes both tenants", () => {
  must(stack.withConfig(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  must(stack.withConfig(["destroy", "--yes", "--skip-preview"]), "destroy");
  for (const u of ["user-a", "user-b"]) {
    const left = kubectl(env.hostKubeconfig, ["-n", `vk8s-${u}`, "get", "statefulset,service,deployment", "-o", "name", "--ignore-not-found"]).trim();
    expect(left).toBe("");
  }
});
