/**
 * The platform example under Pulumi's mocked runtime: users from users.yaml (user A on
 * Kubeflow 1.3, user B on 1.4), passwords from the `kubeflowPasswords` secret config,
 * each user on its own NodePorts (a missing password: test/platform.plan.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";

const registered: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setAllConfig({
  "project:kubeflowPasswords": JSON.stringify({ "user-a": "correct-horse-a", "user-b": "correct-horse-b" }),
  "project:hostAddress": "10.0.0.7",
}, ["project:kubeflowPasswords"]);
pulumi.runtime.setMocks({
  newResource: (args) => {
    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
    const state = args.type.startsWith("command:") ? { ...args.inputs, stdout: "", stderr: "" }
      : args.type.startsWith("pulumi-nodejs:dynamic") ? { ...args.inputs, publicKeyOpenssh: "ssh-ed25519 AAAAtest vk8s", privateKeyPem: "test-key" }
        : args.inputs;
    return { id: `${args.name}-id`, state };
  },
  call: (args) => args.inputs,
}, "project", "stack", false);

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("examples/platform", () => {
  it("gives user A Kubeflow 1.3 and user B Kubeflow 1.4, each on its own NodePort", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../examples/platform/index");
    const endpoints = await promiseOf(program.endpoints as pulumi.Output<Record<string, any>>);
    expect(Object.keys(endpoints)).toEqual(["user-a", "user-b"]);
    expect(endpoints["user-a"]).toMatchObject({ kubeflowVersion: "v1.3.0", namespace: "vk8s-user-a", kubeflowUrl: `http://10.0.0.7:${program.nodePorts["user-a"].ports.kubeflow}` });
    expect(endpoints["user-b"]).toMatchObject({ kubeflowVersion: "v1.4.0", namespace: "vk8s-user-b", kubeflowUrl: `http://10.0.0.7:${program.nodePorts["user-b"].ports.kubeflow}` });
    expect(program.nodePorts["user-a"].ports.kubeflow).not.toBe(program.nodePorts["user-b"].ports.kubeflow);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(registered.filter((r) => r.type === "vk8s:index:Vk8sCluster").map((r) => r.name)).toEqual(["platform-user-a", "platform-user-b"]);
    expect(JSON.stringify(registered.map((r) => r.inputs))).not.toContain("correct-horse");
  }, 60_000);
});
