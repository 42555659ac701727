/**
 * The platform plan: quota fitting (GPUs included), isolation objects, per-user storage,
 * and every problem of every user reported at once with exact messages.
 */
import { planPlatform, PLAN_PASSWORD_PLACEHOLDER, type TenantPlan } from "../src/platform/plan";
import { storageRequestsHard } from "../src/platform/quota";
import { HOST_RENDER_DEFAULTS } from "../src/cluster/defaults";
import { formatProblem, Vk8sValidationError } from "../src/core/errors";
import type { TenantInput } from "../src/platform/types";
import { SETTINGS, userA, userB } from "./platform.fixtures";
import { requirePassword } from "../src/platform/secrets";

function problemsOf(users: TenantInput[], settings = SETTINGS): string[] {
  try {
    planPlatform(users, settings);
  } catch (e) {
    if (e instanceof Vk8sValidationError && e.subject.kind === "vk8s platform") return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

const object = (t: TenantPlan, kind: string, name: string) => t.tenantObjects.find((o) => o.kind === kind && o.metadata.name === name) as any;

describe("quota fitting", () => {
  const withNodes = (nodes: any[], quota: TenantInput["quota"] = {}) =>
    userA({ cluster: { ...userA().cluster, nodes }, quota: { cpu: "8", memory: "32Gi", gpus: 1, storage: "100Gi", ...quota } });
  test.each([
    {
      name: "CPU: the vNodes' requests plus the access pod's default request",
      user: withNodes([{ name: "master", role: "master", resources: { requests: { cpu: "6", memory: "8Gi" } } }, { name: "w1", role: "worker", resources: { requests: { cpu: "2", memory: "8Gi" } } }]),
      expected: [`users["user-a"].quota.cpu: user user-a's pods request 8100m CPU in total (master 6, w1 2, access pod 100m), more than the quota 8 (raise quota.cpu to at least 8100m or lower the vNodes' requests)`],
    },
    {
      name: "memory: a vNode without requests counts its limit (API defaulting)",
      user: withNodes([{ name: "master", role: "master", resources: { limits: { cpu: "2", memory: "32Gi" } } }]),
      expected: [`users["user-a"].quota.memory: user user-a's pods request 32896Mi memory in total (master 32Gi, access pod 128Mi), more than the quota 32Gi (raise quota.memory to at least 32896Mi or lower the vNodes' requests)`],
    },
    {
      name: "GPUs: the sum over the vNodes",
      user: withNodes([
        { name: "master", role: "master", resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { "nvidia.com/gpu": 1 } } },
        { name: "gpu-1", role: "worker", resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { "nvidia.com/gpu": 2 } } },
      ]),
      expected: [`users["user-a"].quota.gpus: user user-a's vNodes take 3 GPU(s) in total (master 1, gpu-1 2), more than the quota 1 (raise quota.gpus to at least 3 or give the vNodes fewer GPUs)`],
    },
    {
      name: "one container above the whole quota (the LimitRange max)",
      user: withNodes([{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "12", memory: "8Gi" } } }]),
      expected: [`users["user-a"].cluster.nodes[0].resources.limits.cpu: vNode master of user user-a asks for 12 CPU, more than the whole quota 8 (the LimitRange max of one container) (lower it to at most 8 or raise quota.cpu)`],
    },
    {
      name: "the storage claim above the storage quota",
      user: { ...withNodes([{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "4Gi" } } }], { storage: "20Gi" }) },
      expected: [`users["user-a"].quota.storage: user user-a's storage claim of 50Gi is more than the quota 20Gi (raise quota.storage to at least 50Gi or lower storage.size)`],
    },
    {
      name: "a fitting cluster",
      user: withNodes([{ name: "master", role: "master", resources: { requests: { cpu: "7900m", memory: "31Gi" }, limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": 1 } } }]),
      expected: [],
    },
  ])("$name", ({ user, expected }) => {
    expect(problemsOf([user])).toEqual(expected);
  });

  test("ResourceQuota and LimitRange are sized from the quota (storage: the user's plus each vNode's node-state claim)", () => {
    const [, b] = planPlatform([userA(), userB()], SETTINGS).tenants;
    // user-b has 2 vNodes, each with a node-state claim of HOST_RENDER_DEFAULTS.nodeStorageSize (50Gi): 200Gi + 2 x 50Gi.
    expect(b.cluster.nodes).toHaveLength(2);
    expect(HOST_RENDER_DEFAULTS.nodeStorageSize).toBe("50Gi");
    expect(object(b, "ResourceQuota", "user-b-quota").spec.hard).toEqual({
      "requests.cpu": "16", "requests.memory": "64Gi", "requests.nvidia.com/gpu": "1", "requests.storage": "300Gi",
      "services.loadbalancers": "0", "services.nodeports": "3",
    });
    expect(object(b, "LimitRange", "user-b-limits").spec.limits).toEqual([
      { type: "Container", max: { cpu: "16", memory: "64Gi" }, default: { cpu: "16", memory: "64Gi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } },
      { type: "PersistentVolumeClaim", max: { storage: "200Gi" } },
    ]);
  });

  test("a node-state claim larger than the user's storage quota raises the LimitRange's claim max to it, never the user's share", () => {
    const quota = { cpu: "4", memory: "8Gi", gpus: 0, storage: "20Gi" };
    expect(storageRequestsHard(quota, { size: "50Gi", count: 1 })).toBe("70Gi");
    expect(storageRequestsHard(quota, { size: "512Mi", count: 3 })).toBe("22016Mi");
    expect(storageRequestsHard(quota, undefined)).toBe("20Gi");
    const [a] = planPlatform([userA({ quota: { cpu: "16", memory: "64Gi", storage: "20Gi" }, storage: { size: "10Gi" } })], SETTINGS).tenants;
    expect(object(a, "ResourceQuota", "user-a-quota").spec.hard["requests.storage"]).toBe(`${20 + 50 * a.cluster.nodes.length}Gi`);
    expect(object(a, "LimitRange", "user-a-limits").spec.limits[1]).toEqual({ type: "PersistentVolumeClaim", max: { storage: "50Gi" } });
  });

  test("quota fields default from settings.defaults.quota; a missing one is a problem", () => {
    expect(planPlatform([userA()], SETTINGS).tenants[0].quota).toEqual({ cpu: "16", memory: "64Gi", gpus: 0, storage: "100Gi" });
    expect(problemsOf([userA({ quota: { cpu: "16" } })], {})).toEqual([
      `users["user-a"].quota.memory: is missing (give the tenant's memory, e.g. 64Gi, or settings.defaults.quota.memory)`,
      `users["user-a"].quota.storage: is missing (give the tenant's storage, e.g. 200Gi, or settings.defaults.quota.storage)`,
    ]);
  });
});

describe("network isolation", () => {
  const [a] = planPlatform([userA({ cluster: { ...userA().cluster, ports: [{ name: "flower", targetPort: 30080 }] } })], SETTINGS).tenants;
  const vNodes = { matchLabels: { app: "vk8s", clusterName: "user-a" } };

  test("default deny for every pod of the namespace, ingress and egress", () => {
    expect(object(a, "NetworkPolicy", "user-a-default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  test("vNodes talk to the vNodes of the same cluster on any port, and take SSH from the access pod", () => {
    expect(object(a, "NetworkPolicy", "user-a-vnodes").spec).toEqual({
      podSelector: vNodes,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: vNodes }] }, { from: [{ podSelector: { matchLabels: { app: "vk8s-access", clusterName: "user-a" } } }], ports: [{ protocol: "TCP", port: 22 }] }],
      egress: [{ to: [{ podSelector: vNodes }] }],
    });
  });

  test("the master vNode takes the ports' targetPorts and the API server from anywhere", () => {
    expect(object(a, "NetworkPolicy", "user-a-nodeports").spec).toEqual({
      podSelector: { matchLabels: { app: "vk8s", clusterName: "user-a", vnode: "user-a-master" } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ protocol: "TCP", port: 30000 }, { protocol: "TCP", port: 30080 }, { protocol: "TCP", port: 6443 }] }],
    });
  });

  test("the access pod takes SSH and reaches the vNodes on 22 only; DNS egress; vNode egress outside the host CIDRs", () => {
    expect(object(a, "NetworkPolicy", "user-a-access").spec.egress).toEqual([{ to: [{ podSelector: vNodes }], ports: [{ protocol: "TCP", port: 22 }] }]);
    expect(object(a, "NetworkPolicy", "user-a-access").spec.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 22 }] }]);
    expect(object(a, "NetworkPolicy", "user-a-dns").spec.egress[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    expect(object(a, "NetworkPolicy", "user-a-vnode-egress").spec.egress).toEqual([{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.42.0.0/16", "10.43.0.0/16"] } }] }]);
  });

  test("no API server NodePort: no 6443 rule; internet egress off: no egress policy", () => {
    const [t] = planPlatform([userA({ nodePorts: { apiServer: false } })], { ...SETTINGS, vNodeInternetEgress: false }).tenants;
    expect(object(t, "NetworkPolicy", "user-a-nodeports").spec.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 30000 }] }]);
    expect(t.tenantObjects.map((o) => o.metadata.name)).not.toContain("user-a-vnode-egress");
    expect(t.apiServerNodePort).toBeUndefined();
  });
});

describe("storage", () => {
  const [a, b] = planPlatform([userA(), userB()], SETTINGS).tenants;
  test("a claim per user, mounted into its vNodes; ReadWriteMany when the cluster has several vNodes", () => {
    expect(object(a, "PersistentVolumeClaim", "user-a-storage").spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } });
    expect(object(b, "PersistentVolumeClaim", "user-b-storage").spec).toEqual({ accessModes: ["ReadWriteMany"], resources: { requests: { storage: "100Gi" } } });
    expect(b.hostRender.userStorage).toEqual({ claimName: "user-b-storage", mountPath: "/mnt/vk8s-storage" });
  });

  test("the storage class can be chosen", () => {
    const [t] = planPlatform([userA({ storage: { size: "20Gi", storageClassName: "fast-ssd" } })], SETTINGS).tenants;
    expect(object(t, "PersistentVolumeClaim", "user-a-storage").spec.storageClassName).toBe("fast-ssd");
  });

  test("inside the virtual cluster: a StorageClass and a hostPath volume over the mount", () => {
    expect(b.virtualObjects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["StorageClass/vk8s-user-storage", "PersistentVolume/vk8s-user-storage"]);
    expect((b.virtualObjects[1] as any).spec).toEqual({
      accessModes: ["ReadWriteMany"], capacity: { storage: "100Gi" }, hostPath: { path: "/mnt/vk8s-storage", type: "Directory" },
      persistentVolumeReclaimPolicy: "Retain", storageClassName: "vk8s-user-storage",
    });
  });
});

describe("users and their specs", () => {
  test("every problem of every user at once, with the user's path", () => {
    const bad = userB({ cluster: { ...userB().cluster, kubernetes: { version: "1.20", podNetworkCidr: "10.42.0.0/16" } } });
    expect(problemsOf([userA(), bad, userA()])).toEqual([
      "users[2].name: user user-a is also users[0] (give every user a unique name)",
      `users["user-b"].cluster.kubernetes.podNetworkCidr: 10.42.0.0/16 overlaps the host cluster's 10.42.0.0/16 (settings.hostCidrs[0]) (choose a block outside the host's networks)`,
    ]);
  });

  test("a plain Kubeflow password in a user's spec is refused, and never echoed", () => {
    const user = userA();
    (user.cluster.kubeflow as any).password = "hunter2-hunter2";
    const problems = problemsOf([user]);
    expect(problems).toEqual([
      `users["user-a"].cluster.kubeflow.password: a plain password is not accepted in the platform's users (remove it and keep it as a secret: pulumi config set --secret --path 'kubeflowPasswords.user-a' <password>)`,
    ]);
    expect(problems.join("\n")).not.toContain("hunter2");
  });

  test("NodePorts are filled into the spec Vk8sCluster gets; kubeflow is added at target 30000", () => {
    const [a] = planPlatform([userA()], SETTINGS).tenants;
    expect(a.spec.ports).toEqual([{ name: "kubeflow", targetPort: 30000, port: a.nodePorts.ports.kubeflow }]);
    expect(a.sshNodePort).toBe(a.nodePorts.ports.ssh);
    expect("password" in a.cluster.kubeflow).toBe(false); // issue 11: no password in a resolved cluster
    expect(JSON.stringify(a.cluster)).not.toContain(PLAN_PASSWORD_PLACEHOLDER);
    expect("password" in a.spec.kubeflow).toBe(false);
  });

  test("a given ssh port equal to the user's own kubeflow port is caught by the host render check", () => {
    const user = userA({ cluster: { ...userA().cluster, ports: [{ name: "kubeflow", port: 30500, targetPort: 30000 }] }, nodePorts: { ssh: 30500 } });
    expect(problemsOf([user])).toEqual([`users["user-a"].hostRender.sshNodePort: 30500 is already used by ports[0].port (pick another port or omit it to let Kubernetes allocate one)`]);
  });

  test.each([
    { passwords: { "user-b": "x-password" }, expected: `kubeflowPasswords["user-a"]: the Kubeflow password of user user-a is not set (run: pulumi config set --secret --path 'kubeflowPasswords.user-a' <password>)` },
    { passwords: { "user-a": 12341234 }, expected: `kubeflowPasswords["user-a"]: the Kubeflow password of user user-a is not a non-empty string (run: pulumi config set --secret --path 'kubeflowPasswords.user-a' <password>)` },
  ])("a missing password names the user and the command that sets it: $expected", ({ passwords, expected }) => {
    expect(() => requirePassword(passwords, "user-a")).toThrow(expected);
    expect(requirePassword({ "user-a": "correct-horse" }, "user-a")).toBe("correct-horse");
  });
});
