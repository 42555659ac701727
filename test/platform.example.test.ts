/**
 * The platform example under Pulumi's mocked runtime: users from users.yaml (user A on
 * Kubeflow 1.3, user B on 1.4), passwords from the `kubeflowPasswords` secret config,
 * each user on its own NodePorts (a missing password: test/platform.plan.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { monitorLog as registered, valueOf as promiseOf } from "./helpers/pulumiMocks";

pulumi.runtime.setAllConfig({
  "vk8s:kubeflowPasswords": JSON.stringify({ "user-a": "correct-horse-a", "user-b": "correct-horse-b" }),
  "vk8s:hostAddress": "10.0.0.7",
}, ["vk8s:kubeflowPasswords"]);

describe("examples/platform", () => {
  it("gives user A Kubeflow 1.3 and user B Kubeflow 1.4, each on its own NodePort", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../examples/platform/index");
    const endpoints = await promiseOf(program.endpoints as pulumi.Output<Record<string, any>>);
    expect(Object.keys(endpoints)).toEqual(["user-a", "user-b"]);
    expect(endpoints["user-a"]).toMatchObject({ kubeflowVersion: "v1.3.1", namespace: "vk8s-user-a", kubeflowUrl: `http://10.0.0.7:${program.nodePorts["user-a"].ports.kubeflow}` });
    expect(endpoints["user-b"]).toMatchObject({ kubeflowVersion: "v1.4.1", namespace: "vk8s-user-b", kubeflowUrl: `http://10.0.0.7:${program.nodePorts["user-b"].ports.kubeflow}` });
    expect(program.nodePorts["user-a"].ports.kubeflow).not.toBe(program.nodePorts["user-b"].ports.kubeflow);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(registered.filter((r) => r.type === "vk8s:index:Vk8sCluster").map((r) => r.name)).toEqual(["platform-user-a", "platform-user-b"]);
    expect(JSON.stringify(registered.map((r) => r.inputs))).not.toContain("correct-horse");
  }, 60_000);
});
