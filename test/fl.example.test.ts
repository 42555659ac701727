/**
 * The federated-learning example program under Pulumi's mocked runtime: it must validate
 * (cluster ports forward the Flower and predict NodePorts) and deploy FederatedLearning
 * through a provider built from the virtual cluster's kubeconfig.
 */
import * as pulumi from "@pulumi/pulumi";
import { monitorLog as registered, valueOf as promiseOf } from "./helpers/pulumiMocks";

pulumi.runtime.setAllConfig({
  "vk8s:kubeflowPassword": "correct-horse-battery",
  "vk8s:hostAddress": "10.0.0.7",
}, ["vk8s:kubeflowPassword"]);

describe("examples/federated-learning", () => {
  it("creates a virtual cluster and deploys FederatedLearning into it through the cluster's provider", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../examples/federated-learning/index");
    expect(await promiseOf(program.serverEndpoint)).toBe("10.0.0.7:30080");
    expect(await promiseOf(program.predictUrl)).toBe("http://10.0.0.7:30081/v1/models/fl-model:predict");
    expect(await promiseOf(program.storagePrefix)).toBe("team-a/cifar10");
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(registered.filter((r) => r.type === "vk8s:index:Vk8sCluster").map((r) => r.name)).toEqual(["fl-cluster"]);
    const provider = registered.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "fl-cluster-k8s");
    expect(provider).toBeDefined();
    const flChildren = registered.filter((r) => r.name.startsWith("fl-") && !r.name.startsWith("fl-cluster"));
    expect(flChildren.length).toBe(10);
    for (const child of flChildren) expect(child.provider).toMatch(/::pulumi:providers:kubernetes::fl-cluster-k8s::/);
    const ports = registered.filter((r) => r.type === "kubernetes:core/v1:Service" && r.name.startsWith("fl-cluster"))
      .flatMap((r) => (r.inputs.spec?.ports ?? []).map((p: { nodePort?: number }) => p.nodePort));
    expect(ports).toEqual(expect.arrayContaining([30000, 30080, 30081]));
  }, 60_000); // ts-jest compiles the whole program (cluster, bootstrap) on first require
});
