/**
 * `FederatedLearning` under Pulumi's mocked runtime: what it registers, under which
 * names, parent and provider, and what it outputs.
 */
import * as pulumi from "@pulumi/pulumi";

import { monitorLog as registered, valueOf as promiseOf } from "./helpers/pulumiMocks";

// Imported after the mocks helper (which calls setMocks) so resources register against the mock monitor.
import * as k8s from "@pulumi/kubernetes";
import { FederatedLearning } from "../components/federatedLearning";

// Generous: the machine is shared, and the first test pays for module compilation.
jest.setTimeout(30_000);

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function provider(name: string): k8s.Provider {
  return new k8s.Provider(name, { kubeconfig: "apiVersion: v1\nkind: Config\n" });
}

describe("FederatedLearning component", () => {
  beforeEach(() => {
    registered.length = 0;
  });

  it("registers each rendered object as its typed resource, named after the component", async () => {
    const vc = provider("vc");
    const fl = new FederatedLearning("fl", { group: "team-a", project: "cifar" }, { provider: vc });
    await promiseOf(fl.urn);
    await settle();
    const children = registered.filter((r) => r.type.startsWith("kubernetes:"));
    // The mock monitor sees registrations in completion order: compare as sorted sets.
    const byName = (a: string[], b: string[]) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    expect(children.map((r) => [r.type, r.name]).sort(byName)).toEqual([
      ["kubernetes:core/v1:Namespace", "fl-namespace-federated-learning"],
      ["kubernetes:core/v1:PersistentVolumeClaim", "fl-persistentvolumeclaim-fl-storage"],
      ["kubernetes:core/v1:ServiceAccount", "fl-serviceaccount-fl-pipeline"],
      ["kubernetes:rbac.authorization.k8s.io/v1:Role", "fl-role-fl-pipeline"],
      ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "fl-rolebinding-fl-pipeline"],
      ["kubernetes:core/v1:ConfigMap", "fl-configmap-fl-pipeline"],
      ["kubernetes:apps/v1:Deployment", "fl-deployment-fl-flower-server"],
      ["kubernetes:core/v1:Service", "fl-service-fl-flower-server"],
      ["kubernetes:apps/v1:Deployment", "fl-deployment-fl-model-server"],
      ["kubernetes:core/v1:Service", "fl-service-fl-model-server"],
    ].sort(byName));
    expect(registered.find((r) => r.type === "vk8s:index:FederatedLearning")?.name).toBe("fl");
    const service = children.find((r) => r.name === "fl-service-fl-flower-server")!;
    expect(service.inputs.spec.ports[0]).toMatchObject({ nodePort: 30080, port: 8080 });
  });

  it("parents every child on the component and passes the virtual cluster's provider down", async () => {
    const vc = provider("vc");
    const fl = new FederatedLearning("fl", { group: "team-a", project: "cifar" }, { provider: vc });
    await promiseOf(fl.urn);
    await settle();
    const vcUrn = await promiseOf(vc.urn);
    const children = registered.filter((r) => r.type.startsWith("kubernetes:"));
    expect(children).toHaveLength(10);
    for (const child of children) expect(child.provider?.startsWith(`${vcUrn}::`)).toBe(true);
    for (const res of Object.values(fl.resources)) {
      expect(await promiseOf(res.urn)).toMatch(/::vk8s:index:FederatedLearning\$kubernetes:[^:]+:\w+::fl-/);
    }
  });

  it("accepts the provider in opts.providers too", async () => {
    const vc = provider("vc2");
    const fl = new FederatedLearning("fl2", { group: "g", project: "p", name: "other" }, { providers: [vc] });
    await promiseOf(fl.urn);
    await settle();
    const vcUrn = await promiseOf(vc.urn);
    const children = registered.filter((r) => r.type.startsWith("kubernetes:"));
    expect(children.map((r) => r.name)).toContain("fl2-deployment-other-flower-server");
    for (const child of children) expect(child.provider?.startsWith(`${vcUrn}::`)).toBe(true);
  });

  it("outputs the server endpoint, storage prefix, pipeline spec and predict URL", async () => {
    const fl = new FederatedLearning("fl", {
      group: "team-a", project: "cifar", hostAddress: "10.0.0.5", server: { nodePort: 31080 }, serving: { nodePort: 31081 }, model: { name: "cifar-net" },
    }, { provider: provider("vc") });
    expect(await promiseOf(fl.serverEndpoint)).toBe("10.0.0.5:31080");
    expect(await promiseOf(fl.storagePrefix)).toBe("team-a/cifar");
    expect(await promiseOf(fl.predictUrl)).toBe("http://10.0.0.5:31081/v1/models/cifar-net:predict");
    expect(await promiseOf(fl.namespace)).toBe("federated-learning");
    const pipeline = await promiseOf(fl.pipelineSpec);
    expect(pipeline.startsWith("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n")).toBe(true);
    expect(pipeline).toContain("generateName: fl-pipeline-");
    expect(fl.spec.rounds).toBe(3);
  });

  it("registers an InferenceService (CustomResource) in kserve mode and outputs its cluster-local URL", async () => {
    const fl = new FederatedLearning("fl", { group: "g", project: "p", serving: { mode: "kserve" }, createNamespace: false }, { provider: provider("vc") });
    expect(await promiseOf(fl.predictUrl)).toBe("http://fl-model-server.federated-learning.svc.cluster.local/v1/models/fl-model:predict");
    await settle();
    const isvc = registered.find((r) => r.type === "kubernetes:serving.kserve.io/v1beta1:InferenceService");
    expect(isvc?.name).toBe("fl-inferenceservice-fl-model-server");
    expect(registered.some((r) => r.type === "kubernetes:core/v1:Namespace")).toBe(false);
    expect(registered.filter((r) => r.name.includes("model-server")).map((r) => r.type)).toEqual(["kubernetes:serving.kserve.io/v1beta1:InferenceService"]);
  });

  it.each([
    ["invalid input", { group: "team/a", project: "cifar" }, { provider: true },
      `invalid federated learning "fl":\ngroup: "team/a" contains '/' (use one folder name of letters, digits, '.', '_' or '-')`],
    ["no Kubernetes provider", { group: "g", project: "p" }, { provider: false },
      `invalid federated learning "fl":\nopts.provider: no Kubernetes provider for the virtual cluster (pass { provider: new k8s.Provider("vc", { kubeconfig: cluster.kubeconfig }) })`],
  ])("%s: throws and registers nothing", async (_label, args, { provider: withProvider }, message) => {
    const opts = withProvider ? { provider: provider("vc-bad") } : {};
    registered.length = 0;
    await settle();
    registered.length = 0;
    expect(() => new FederatedLearning("fl", args, opts)).toThrow(message);
    await settle();
    expect(registered.filter((r) => r.type !== "pulumi:providers:kubernetes")).toEqual([]);
  });
});
