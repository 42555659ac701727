/**
 * `planCluster` and the outputs as data (src/plan), pure: no Pulumi runtime, no mocks. A
 * deferred value here is a `Later` box (the component passes Pulumi's Outputs and promises).
 */
import { apiServerServiceUrl } from "../src/core/naming";
import { checkDeferredPassword, lateWarnings, livePlan, planCluster, PROBE_KEYS, resolveDeferred, type ClusterPlanArgs } from "../src/plan/cluster";
import {
  adminKubeconfig, apiServerEndpoint, directEndpoint, exposedApiServerUrl, hostAddressOf,
  kubeflowUrl, sshDial, sshEndpoint, sshUser, stateTrigger, AWAITED_KINDS,
} from "../src/plan/outputs";
import { objectKey, objectResourceName } from "../src/plan/names";
import { attempt, unwrap } from "../src/plan/checked";
import { cleanupCompanion } from "../src/plan/commands";
import { COMPONENT_DEFAULTS } from "../src/cluster/defaults";
import { Vk8sValidationError } from "../src/core/errors";

/** A value known only later. */
class Later<T> {
  constructor(readonly value: T) {}
}
const isDeferred = (v: unknown) => v instanceof Later;
const PASSWORD = "sentinel-Pa55word-7f3a";

function args(overrides: Partial<ClusterPlanArgs> & Record<string, unknown> = {}): ClusterPlanArgs & Record<string, unknown> {
  return {
    nodes: [
      { name: "master", role: "master" },
      { name: "gpu-1", role: "worker", resources: { limits: { "nvidia.com/gpu": 2 } } },
    ],
    kubeflow: { version: "v1.3.0", email: "test@example.com", password: PASSWORD },
    ports: [{ name: "kubeflow", port: 30000 }],
    ...overrides,
  };
}

const plan = (a: ClusterPlanArgs) => planCluster("c1", a, { isDeferred });
const liveKeys = (p: ReturnType<typeof plan>) => p.objects.filter((_, i) => p.liveObjects[i]).map(objectKey);
/** The planned value of each deferred field, in the plan's order, unwrapped. */
const valuesOf = (p: ReturnType<typeof plan>) => p.deferred.map((d) => (d.value as Later<unknown>).value);

describe("planCluster: what depends on the SSH key or a deferred value", () => {
  test("plain arguments: only the authorized keys (ConfigMap data) and the access pod (its keys hash) depend on the key", () => {
    const p = plan(args());
    expect(p.deferred).toEqual([]);
    expect(p.passwordDeferred).toBe(false);
    expect(liveKeys(p)).toEqual(["ConfigMap/c1-ssh", "Deployment/c1-access"]);
    expect(p.liveFields[p.objects.findIndex((o) => objectKey(o) === "ConfigMap/c1-ssh")]).toEqual(["data"]);
    expect(p.liveFields[p.objects.findIndex((o) => objectKey(o) === "Deployment/c1-access")]).toEqual(["spec"]);
    expect(p.liveSteps.size).toBe(0);
    // The plan carries probe key A where the key goes; it never reaches a registered object unreplaced.
    expect(JSON.stringify(p.objects)).toContain(PROBE_KEYS[0]);
  });

  test("a deferred hostAddress with an exposed API server: the certificate's SAN makes the kubeadm steps live, no host object", () => {
    const p = plan(args({ hostAddress: new Later("10.1.2.3"), apiServerNodePort: 30443 }));
    expect(p.deferred.map((d) => d.path)).toEqual([["hostAddress"]]);
    expect([...p.liveSteps]).toEqual(["02-kubeadm-init", "03-kubeconfig"]);
    expect(liveKeys(p)).toEqual(["ConfigMap/c1-ssh", "Deployment/c1-access"]);
    // Stand-in A (RFC 5737) is what was validated and planned.
    expect(p.planned.args.hostAddress).toBe("192.0.2.1");
  });

  test("deferred cluster labels: every object's metadata is live, the vNode StatefulSets' spec too", () => {
    const p = plan(args({ labels: { team: new Later("a") } }));
    const fields = Object.fromEntries(p.objects.map((o, i) => [objectKey(o), p.liveFields[i]]));
    expect(fields["Namespace/vk8s-c1"]).toEqual(["metadata"]);
    expect(fields["StatefulSet/c1-master"]).toEqual(["metadata", "spec"]);
    expect(fields["ConfigMap/c1-ssh"]).toEqual(["metadata", "data"]);
    expect(p.liveSteps.size).toBe(0);
  });

  test("a deferred password is checked later and is not a deferred value of the plan", () => {
    const p = plan(args({ kubeflow: { version: "v1.3.0", email: "test@example.com", password: new Later(PASSWORD) } }));
    expect(p.passwordDeferred).toBe(true);
    expect(p.deferred).toEqual([]);
    expect(JSON.stringify([p.objects, p.steps])).not.toContain(PASSWORD);
    expect(() => checkDeferredPassword("c1", p.base, "short", "vk8s-c1")).toThrow(/kubeflow\.password/);
    expect(checkDeferredPassword("c1", p.base, PASSWORD, "vk8s-c1")).toBe("vk8s-c1");
  });

  test("a deferred value in a field that shapes the graph is refused with the field, the reason and the fix", () => {
    const error = (() => {
      try {
        plan(args({ nodes: [{ name: new Later("master"), role: "master" }] }));
      } catch (e) {
        return e;
      }
    })() as Vk8sValidationError;
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect(error.problems.map((p) => p.path)).toEqual(["nodes[0].name"]);
    expect(error.problems[0].message).toMatch(/node names name the vNode StatefulSets/);
  });

  test("the opaque secrets are never read: stand-ins in base, the caller's values nowhere in the plan", () => {
    const p = plan(args({ ssh: { privateKey: "PRIVATE-KEY-SENTINEL", publicKey: "ssh-ed25519 AAAAC3Nz vk8s", hostKey: "HOST-KEY-SENTINEL" } }));
    expect(p.base.ssh).toMatchObject({ privateKey: "vk8s-opaque-secret", hostKey: "vk8s-opaque-secret" });
    expect(JSON.stringify(p)).not.toMatch(/SENTINEL/);
  });
});

describe("livePlan: the render once the deferred values resolve", () => {
  test("resolved labels replace the live fields; what was planned as independent stays identical", () => {
    const p = plan(args({ labels: { team: new Later("ml") } }));
    const resolved = resolveDeferred("c1", p, valuesOf(p));
    const live = livePlan("c1", p, resolved, "ssh-ed25519 AAAAreal vk8s");
    expect(live.objects[0].metadata.labels).toMatchObject({ team: "ml" });
    expect(JSON.stringify(live.objects)).toContain("ssh-ed25519 AAAAreal vk8s");
    expect(Object.keys(live.steps)).toEqual((p.steps ?? []).map((s) => s.id));
  });

  test("a resolved value that fails validation is refused naming the field", () => {
    const p = plan(args({ hostAddress: new Later("10.1.2.3") }));
    expect(() => resolveDeferred("c1", p, ["not an address!"])).toThrow(/hostAddress/);
  });

  test("a resolved node image whose tag picks another Kubernetes version is refused: it changes what was planned", () => {
    const p = plan(args({ nodes: [{ name: "master", role: "master", image: new Later("registry.example.com/kink:v1.20") }] }));
    const resolved = resolveDeferred("c1", p, ["registry.example.com/kink:v1.19"]);
    expect(() => livePlan("c1", p, resolved, "ssh-ed25519 AAAAreal vk8s")).toThrow(/change what was planned/);
  });

  test("attempt/unwrap: a refusal kept as data, thrown as one error object however often it is unwrapped", () => {
    const checked = attempt(() => resolveDeferred("c1", plan(args({ hostAddress: new Later("x") })), ["not an address!"]));
    expect(checked.ok).toBe(false);
    const first = (() => { try { unwrap(checked); } catch (e) { return e; } })();
    const second = (() => { try { unwrap({ ...checked }); } catch (e) { return e; } })();
    expect(first).toBeInstanceOf(Vk8sValidationError);
    expect(second).toBe(first);
    expect(attempt(() => 7)).toEqual({ ok: true, value: 7 });
    expect(() => attempt(() => { throw new TypeError("a bug"); })).toThrow(TypeError);
  });
});

describe("outputs as data", () => {
  test("the kubeconfig step is a field of the plan (03-kubeconfig), absent without bootstrap", () => {
    const p = plan(args());
    expect(p.outputs.kubeconfigStep).toBe("03-kubeconfig");
    expect(p.steps?.find((s) => s.id === p.outputs.kubeconfigStep)?.secretOutput).toBe(true);
    expect(p.outputs.historySteps).not.toContain("03-kubeconfig");
    expect(p.outputs.historySteps).toEqual((p.steps ?? []).filter((s) => !s.secretOutput).map((s) => s.id));
    const off = plan(args({ bootstrap: false }));
    expect(off.steps).toBeUndefined();
    expect(off.outputs.kubeconfigStep).toBeUndefined();
    expect(off.outputs.historySteps).toEqual([]);
  });

  test("nodes, the SSH Service and StatefulSet keys name registered objects", () => {
    const p = plan(args());
    const keys = p.objects.map(objectKey);
    expect(p.outputs.nodes).toEqual([
      { name: "master", role: "master", gpus: 0, statefulSet: "c1-master", pod: "c1-master-0" },
      { name: "gpu-1", role: "worker", gpus: 2, statefulSet: "c1-gpu-1", pod: "c1-gpu-1-0" },
    ]);
    expect(keys).toContain(p.outputs.sshService);
    for (const key of Object.values(p.outputs.statefulSets)) expect(keys).toContain(key);
  });

  test("SSH routes: through the access pod by default; direct for a node in ssh.nodeEndpoints", () => {
    const jump = plan(args()).outputs.routes;
    expect(jump.master).toEqual({
      node: "master", route: "jump", host: "c1-master-0.c1-vnodes.vk8s-c1.svc.cluster.local", port: 22, jumpUser: "vk8s",
      waitsFor: ["StatefulSet/c1-master", "Deployment/c1-access", "Service/c1-ssh"],
    });
    const a = args({ ssh: { nodeEndpoints: { "gpu-1": { host: new Later("10.0.0.7"), port: 2222 } } } });
    const p = plan(a);
    expect(p.outputs.routes["gpu-1"]).toEqual({ node: "gpu-1", route: "direct", waitsFor: ["StatefulSet/c1-gpu-1"] });
    expect(p.outputs.routes.master.route).toBe("jump");
    expect(directEndpoint(resolveDeferred("c1", p, valuesOf(p)).args, "gpu-1")).toEqual({ host: "10.0.0.7", port: 2222 });
    expect(directEndpoint(p.planned.args, "gpu-1")).toEqual({ host: "192.0.2.1", port: 2222 });
  });

  test.each([
    ["a claim (the default)", {}, "PersistentVolumeClaim"],
    ["a claim of 10Gi", { hostRender: { nodeStorage: { size: "10Gi" } } }, "PersistentVolumeClaim"],
    ["emptyDir", { hostRender: { nodeStorage: "emptyDir" } }, "Pod"],
  ])("nodeStates with nodeStorage %s: the object whose uid is a node's state, in the planned objects", (_name, overrides, kind) => {
    const p = plan(args(overrides as Partial<ClusterPlanArgs>));
    const names = kind === "Pod" ? { master: "c1-master-0", "gpu-1": "c1-gpu-1-0" } : { master: "vnode-data-c1-master-0", "gpu-1": "vnode-data-c1-gpu-1-0" };
    expect(p.outputs.nodeStates).toEqual({ master: { kind, name: names.master }, "gpu-1": { kind, name: names["gpu-1"] } });
    // A claim is named by the StatefulSet's claim template (vnode-data) and pod; an emptyDir vNode has none.
    const templates = p.objects.filter((o) => o.kind === "StatefulSet")
      .map((o) => ((o as unknown as { spec: { volumeClaimTemplates?: { metadata: { name: string } }[] } }).spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
    expect(templates).toEqual(kind === "Pod" ? [[], []] : [["vnode-data"], ["vnode-data"]]);
  });

  test("awaitVNodes: false skips readiness of the awaited kinds and the live vNode reads", () => {
    expect(plan(args()).outputs).toMatchObject({ readsVNodes: true, skipAwaitKinds: new Set() });
    expect(plan(args({ awaitVNodes: false })).outputs).toMatchObject({ readsVNodes: false, skipAwaitKinds: AWAITED_KINDS });
    expect([...AWAITED_KINDS].sort()).toEqual(["Deployment", "PersistentVolumeClaim", "StatefulSet"]);
  });

  test.each([
    ["defaults", {}, 30022, "ssh://vk8s@127.0.0.1:30022", "http://127.0.0.1:30000", "https://c1-apiserver.vk8s-c1.svc:6443"],
    ["a host address", { hostAddress: "node-1.example.com" }, 31000, "ssh://vk8s@node-1.example.com:31000", "http://node-1.example.com:30000", "https://c1-apiserver.vk8s-c1.svc:6443"],
    ["an exposed API server", { hostAddress: "10.1.2.3", apiServerNodePort: 30443 }, 0, "ssh://vk8s@10.1.2.3:0", "http://10.1.2.3:30000", "https://10.1.2.3:30443"],
    ["no Kubeflow port", { ports: [] }, 30022, "ssh://vk8s@127.0.0.1:30022", "", "https://c1-apiserver.vk8s-c1.svc:6443"],
  ])("endpoints with %s", (_name, overrides, nodePort, ssh, kubeflow, apiServer) => {
    const p = plan(args(overrides as Partial<ClusterPlanArgs>));
    expect(sshEndpoint(p.planned.args, nodePort)).toBe(ssh);
    expect(kubeflowUrl(p.planned)).toBe(kubeflow);
    expect(apiServerEndpoint(p.planned)).toBe(apiServer);
  });

  test("the in-cluster API server URL is its Service's DNS name on 6443", () => {
    expect(apiServerServiceUrl({ name: "team-a" })).toBe("https://team-a-apiserver.vk8s-team-a.svc:6443");
  });

  test("the admin kubeconfig points at the exposed API server, else stays as the step printed it", () => {
    const printed = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.96.0.1:6443\n  name: kubernetes\n";
    expect(adminKubeconfig(printed, { apiServerNodePort: 30443, hostAddress: "10.1.2.3" })).toContain("    server: https://10.1.2.3:30443\n");
    expect(adminKubeconfig(printed, {})).toBe(printed);
    expect(exposedApiServerUrl({})).toBeUndefined();
  });

  test("SSH login defaults come from COMPONENT_DEFAULTS; given values win", () => {
    expect(sshUser({})).toBe(COMPONENT_DEFAULTS.sshUser);
    expect(sshUser({ ssh: { user: "ubuntu" } })).toBe("ubuntu");
    expect(sshDial({})).toEqual({ perDialTimeout: 10, dialErrorLimit: 6 });
    expect(sshDial({ ssh: { perDialTimeout: 30, dialErrorLimit: 2 } })).toEqual({ perDialTimeout: 30, dialErrorLimit: 2 });
    expect(hostAddressOf({})).toBe("127.0.0.1");
  });

  test("names and keys of registered objects; the state trigger", () => {
    const obj = { kind: "StatefulSet", metadata: { name: "c1-master" } };
    expect(objectResourceName("c1", obj)).toBe("c1-statefulset-c1-master");
    expect(objectKey(obj)).toBe("StatefulSet/c1-master");
    expect(stateTrigger("master", "uid-1")).toBe("state:master=uid-1");
  });
});

describe("cleanupCompanion: a clean-up that runs on another vNode", () => {
  test("the worker's join is drained from the master by a companion; steps cleaned up in place have none", () => {
    const steps = plan(args()).steps ?? [];
    const companions = steps.map(cleanupCompanion).filter((c) => c !== undefined);
    expect(companions).toEqual([{ id: "06-join-gpu-1-cleanup", node: "master", create: "echo 'vk8s: 06-join-gpu-1 is cleaned up from master when removed'" }]);
  });

  test.each([
    ["no clean-up", { id: "s", node: "a" }],
    ["a clean-up on its own node", { id: "s", node: "a", deleteScript: "x" }],
    ["a clean-up naming its own node", { id: "s", node: "a", deleteNode: "a", deleteScript: "x" }],
  ])("%s: no companion", (_name, step) => {
    expect(cleanupCompanion(step)).toBeUndefined();
  });
});

describe("the namespace gate and warnings as data", () => {
  test.each([
    ["nothing deferred", {}, { resolved: false, live: false, password: false }],
    ["the password alone", { kubeflow: { version: "v1.3.0", email: "test@example.com", password: new Later(PASSWORD) } }, { resolved: true, live: false, password: true }],
    ["a host address", { hostAddress: new Later("10.1.2.3") }, { resolved: true, live: true, password: false }],
  ])("%s", (_name, overrides, gate) => {
    expect(plan(args(overrides as Partial<ClusterPlanArgs>)).namespaceGate).toEqual(gate);
  });

  test("Kubeflow sizing warns now when every value is known, once resolved when some is deferred", () => {
    const small = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } };
    const nodes = [{ name: "master", role: "master", resources: small }];
    const known = plan(args({ nodes }));
    expect(known.warnings.some((w) => /Kubeflow/.test(w))).toBe(true);
    expect(lateWarnings(known, known.planned)).toEqual([]);
    const late = plan(args({ nodes, hostAddress: new Later("10.1.2.3") }));
    expect(late.warnings.some((w) => /Kubeflow/.test(w))).toBe(false);
    expect(lateWarnings(late, resolveDeferred("c1", late, valuesOf(late)))).toEqual(known.warnings.filter((w) => /Kubeflow/.test(w)));
  });
});
