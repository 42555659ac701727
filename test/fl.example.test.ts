/**
 * The federated-learning example program under Pulumi's mocked runtime: it must validate
 * (cluster ports forward the Flower and predict NodePorts) and deploy FederatedLearning
 * through a provider built from the virtual cluster's kubeconfig.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}
const registered: Registered[] = [];

pulumi.runtime.setAllConfig({
  "project:kubeflowPassword": "correct-horse-battery",
  "project:hostAddress": "10.0.0.7",
}, ["project:kubeflowPassword"]);
pulumi.runtime.setMocks(
  {
    newResource: (args: pulumi.runtime.MockResourceArgs) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      // Outputs that real providers compute: command output, the generated SSH key pair.
      const state = args.type.startsWith("command:") ? { ...args.inputs, stdout: "", stderr: "" }
        : args.type.startsWith("pulumi-nodejs:dynamic") ? { ...args.inputs, publicKeyOpenssh: "ssh-ed25519 AAAAtest vk8s", privateKeyPem: "test-key" }
          : args.inputs;
      return { id: `${args.name}-id`, state };
    },
    call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
  },
  "project",
  "stack",
  false,
);

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

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
