/**
 * registerObjects() under the mocked Pulumi runtime: every kind the renders produce has a
 * resource class, the Namespace goes first and the rest depend on it, skipAwait kinds are
 * annotated. (Vk8sCluster, Vk8sPlatform and FederatedLearning tests cover it in place.)
 */
import * as pulumi from "@pulumi/pulumi";
import { record, valueOf, type Registered } from "./helpers/pulumiMocks";
import { registerObjects } from "../components/registerObjects";
import { Vk8sPlatform } from "../components/platform";
import { SETTINGS, userA } from "./platform.fixtures";
import type { K8sObject } from "../src/render/types";

jest.setTimeout(60_000);

class Holder extends pulumi.ComponentResource {
  resources: Map<string, pulumi.CustomResource>;
  constructor(name: string, objects: K8sObject[], skipAwaitKinds: ReadonlySet<string>, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Holder", name, {}, opts);
    this.resources = registerObjects(name, objects, { parent: this, skipAwaitKinds });
  }
}

describe("registerObjects", () => {
  const objects: K8sObject[] = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "ns" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "ns" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } },
  ];
  let run: { result: Holder; resources: Registered[] };
  beforeAll(async () => {
    run = await record((o) => new Holder("h", objects, new Set(["Deployment"]), o));
  });

  test("the Namespace first, named <prefix>-<kind>-<name>; keys are <kind>/<name>", () => {
    expect(run.resources.slice(1).map((r) => `${r.type} ${r.name}`)).toEqual([
      "kubernetes:core/v1:Namespace h-namespace-ns",
      "kubernetes:core/v1:ConfigMap h-configmap-cm",
      "kubernetes:apps/v1:Deployment h-deployment-d",
    ]);
    expect([...run.result.resources.keys()]).toEqual(["Namespace/ns", "ConfigMap/cm", "Deployment/d"]);
  });

  test("every other object depends on the Namespace; only the skipAwait kinds are annotated", async () => {
    const ns = run.result.resources.get("Namespace/ns");
    expect(run.resources[1].dependsOn).toEqual([]);
    for (const r of run.resources.slice(2)) expect(r.dependsOn).toEqual([ns]);
    const metadata = async (key: string) => valueOf((run.result.resources.get(key) as unknown as { metadata: pulumi.Output<K8sObject["metadata"]> }).metadata);
    expect((await metadata("Deployment/d")).annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect((await metadata("ConfigMap/cm")).annotations).toBeUndefined();
  });

  test("a platform with host preparation registers its DaemonSet (apps/v1 DaemonSet has a resource class)", async () => {
    const platform = await record((o) => new Vk8sPlatform("p", {
      users: [{ ...userA(), kubeflowPassword: "sentinel-A-pass-1c9e" }],
      settings: { ...SETTINGS, hostPreparation: { inotify: true } },
      bootstrap: false,
    }, o));
    const daemonSets = platform.resources.filter((r) => r.type === "kubernetes:apps/v1:DaemonSet");
    expect(daemonSets).toHaveLength(1);
    expect(daemonSets[0].name).toMatch(/^p-daemonset-/);
    expect(daemonSets[0].parent).toBe(platform.result);
  });
});
