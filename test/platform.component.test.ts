/**
 * Vk8sPlatform under the mocked Pulumi runtime: one Vk8sCluster per user with the tenant
 * objects in its namespace, the storage claim mounted into every vNode, the storage
 * offered inside each virtual cluster, and nothing registered for an invalid platform.
 */
import * as pulumi from "@pulumi/pulumi";
import { record, valueOf, isSecret, type Registered } from "./helpers/pulumiMocks";
import { Vk8sPlatform, type Vk8sPlatformUser } from "../components/platform";
import { Vk8sValidationError } from "../src/core/errors";
import { plain, SETTINGS, settle, userA, userB } from "./platform.fixtures";

const PASSWORD_A = "sentinel-A-pass-1c9e";
const PASSWORD_B = "sentinel-B-pass-77d2";

function users(): Vk8sPlatformUser[] {
  return [
    { ...userA(), kubeflowPassword: pulumi.secret(PASSWORD_A) },
    { ...userB(), kubeflowPassword: pulumi.secret(PASSWORD_B) },
  ];
}

const k8sOf = (rs: Registered[], type: string) => rs.filter((r) => r.type === `kubernetes:${type}`);

describe("Vk8sPlatform with user A (Kubeflow 1.3) and user B (Kubeflow 1.4)", () => {
  let run: { result: Vk8sPlatform; resources: Registered[] };
  beforeAll(async () => {
    run = await record((o) => new Vk8sPlatform("p", { users: users(), settings: SETTINGS, hostAddress: "10.0.0.7" }, o));
    await settle(run.resources);
  }, 60_000);

  test("registers the platform, then one Vk8sCluster per user parented to it", () => {
    expect(run.resources[0]).toMatchObject({ type: "vk8s:index:Vk8sPlatform", name: "p" });
    const clusters = run.resources.filter((r) => r.type === "vk8s:index:Vk8sCluster");
    expect(clusters.map((c) => c.name)).toEqual(["p-user-a", "p-user-b"]);
    for (const c of clusters) expect(c.parent).toBe(run.result);
  });

  test("each namespace is privileged for its vNodes and labeled with its tenant", () => {
    const namespaces = k8sOf(run.resources, "core/v1:Namespace");
    const metadata = namespaces.map((n) => plain(n.inputs.metadata));
    expect(metadata.map((m) => [m.name, m.labels["vk8s.io/tenant"], m.labels["pod-security.kubernetes.io/enforce"]]))
      .toEqual([["vk8s-user-a", "user-a", "privileged"], ["vk8s-user-b", "user-b", "privileged"]]);
  });

  test("tenant objects are in the user's namespace and wait for it", () => {
    for (const user of ["user-a", "user-b"]) {
      const ns = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === `p-${user}-namespace-vk8s-${user}`)!;
      const tenant = run.resources.filter((r) => r.name.startsWith(`p-${user}-`) && !r.read && /ResourceQuota|LimitRange|NetworkPolicy|PersistentVolumeClaim/.test(r.type));
      expect(tenant.map((r) => r.type.split(":").pop()).sort()).toEqual([
        "LimitRange", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "PersistentVolumeClaim", "ResourceQuota",
      ]);
      for (const r of tenant) {
        expect(r.inputs.metadata.namespace).toBe(`vk8s-${user}`);
        expect(r.dependsOn).toContain(ns.resource);
      }
    }
  });

  test("user B's quota allows its GPU and its vNodes mount its storage claim", () => {
    const quota = k8sOf(run.resources, "core/v1:ResourceQuota").find((r) => r.inputs.metadata.namespace === "vk8s-user-b")!;
    expect(quota.inputs.spec.hard["requests.nvidia.com/gpu"]).toBe("1");
    for (const sts of k8sOf(run.resources, "apps/v1:StatefulSet").filter((r) => r.inputs.metadata.namespace === "vk8s-user-b")) {
      expect(sts.inputs.spec.template.spec.volumes).toContainEqual({ name: "user-storage", persistentVolumeClaim: { claimName: "user-b-storage" } });
      expect(sts.inputs.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: "user-storage", mountPath: "/mnt/vk8s-storage" });
    }
  });

  test("NodePorts come from the plan: the services carry the allocated ports", () => {
    const nodePorts = (user: string) => k8sOf(run.resources, "core/v1:Service")
      .filter((r) => r.inputs.metadata.namespace === `vk8s-${user}` && r.inputs.spec.type === "NodePort")
      .map((r) => [r.inputs.metadata.name, r.inputs.spec.ports[0].nodePort]);
    for (const t of run.result.plan.tenants) {
      expect(nodePorts(t.name).sort()).toEqual([
        [`${t.name}-apiserver`, t.nodePorts.ports.apiserver],
        [`${t.name}-kubeflow`, t.nodePorts.ports.kubeflow],
        [`${t.name}-ssh`, t.nodePorts.ports.ssh],
      ]);
    }
  });

  test("the storage class and volume are created inside each virtual cluster through its own provider", () => {
    for (const user of ["user-a", "user-b"]) {
      const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === `p-${user}-virtual`)!;
      expect(provider).toBeDefined();
      const inside = run.resources.filter((r) => r.name.startsWith(`p-${user}-virtual-`));
      expect(inside.map((r) => r.type)).toEqual(["kubernetes:storage.k8s.io/v1:StorageClass", "kubernetes:core/v1:PersistentVolume"]);
      for (const r of inside) expect(r.provider).toMatch(new RegExp(`pulumi:providers:kubernetes::p-${user}-virtual::`));
      expect(inside[1].inputs.spec.hostPath).toEqual({ path: "/mnt/vk8s-storage", type: "Directory" });
    }
  });

  test("outputs: each user's endpoints on its own NodePort, kubeconfigs secret", async () => {
    const out = await valueOf(run.result.users);
    const a = run.result.plan.tenants[0].nodePorts.ports;
    expect(out["user-a"]).toMatchObject({ kubeflowUrl: `http://10.0.0.7:${a.kubeflow}`, sshEndpoint: `ssh://vk8s@10.0.0.7:${a.ssh}`, kubeflowVersion: "v1.3.1", kubernetesVersion: "1.20.15" });
    expect(out["user-b"].kubeflowVersion).toBe("v1.4.1");
    expect(await isSecret(run.result.kubeconfigs)).toBe(true);
  });

  test("no password appears in any registered input", () => {
    const all = JSON.stringify(run.resources.map((r) => r.inputs));
    expect(all).not.toContain(PASSWORD_A);
    expect(all).not.toContain(PASSWORD_B);
  });
});

describe("Vk8sPlatform with hostAddress from another resource (an Output)", () => {
  test("every user's endpoints and API server certificate carry the resolved address", async () => {
    const hostAddress = pulumi.output(new Promise<string>((resolve) => setTimeout(() => resolve("10.0.0.8"), 5)));
    const { result, resources } = await record((o) => new Vk8sPlatform("q", { users: users(), settings: SETTINGS, hostAddress }, o));
    await settle(resources);
    const out = await valueOf(result.users);
    const ports = result.plan.tenants.map((t) => t.nodePorts.ports);
    expect(out["user-a"]).toMatchObject({ kubeflowUrl: `http://10.0.0.8:${ports[0].kubeflow}`, apiServerEndpoint: `https://10.0.0.8:${ports[0].apiserver}` });
    expect(out["user-b"].sshEndpoint).toBe(`ssh://vk8s@10.0.0.8:${ports[1].ssh}`);
    const init = resources.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-02-kubeadm-init"));
    expect(init).toHaveLength(2);
    for (const c of init) expect(c.inputs.create).toMatch(/\n    - 10\.0\.0\.8\n/);
  }, 60_000);
});

describe("Vk8sPlatform refusals", () => {
  test("a user whose GPUs do not fit its quota: error names user, resource, sum and quota; nothing registered", async () => {
    const bad = [{ ...userA(), kubeflowPassword: "x" }, { ...userB({ quota: { cpu: "16", memory: "64Gi", gpus: 0, storage: "200Gi" } }), kubeflowPassword: "y" }];
    let error: unknown;
    const run = await record((o) => {
      try {
        return new Vk8sPlatform("p", { users: bad, settings: SETTINGS }, o);
      } catch (e) {
        error = e;
        return undefined;
      }
    });
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Vk8sValidationError).subject).toEqual({ kind: "vk8s platform" });
    expect((error as Error).message).toBe([
      "invalid vk8s platform:",
      `users["user-b"].quota.gpus: user user-b's vNodes take 1 GPU(s) in total (gpu-1 1), more than the quota 0 (raise quota.gpus to at least 1 or give the vNodes fewer GPUs)`,
    ].join("\n"));
    expect(run.resources).toEqual([]);
  });

  test("bootstrap off: no provider into the virtual cluster", async () => {
    const run = await record((o) => new Vk8sPlatform("q", { users: users().slice(0, 1), settings: SETTINGS, bootstrap: false }, o));
    expect(run.resources.filter((r) => r.type === "pulumi:providers:kubernetes")).toEqual([]);
    expect(run.resources.filter((r) => r.type === "command:remote:Command")).toEqual([]);
  });
});
